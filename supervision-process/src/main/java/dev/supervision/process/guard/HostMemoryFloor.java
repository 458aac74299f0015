package dev.supervision.process.guard;

import dev.supervision.process.internal.Durations;
import java.time.Duration;

/**
 * The host's available-memory floor: the "emergency brake". Every {@link #interval()} the host's
 * available memory ({@code MemAvailable} on Linux) is compared with the floor; below it, the supervised
 * process tree with the largest RSS is restarted, then nothing more is braked for {@link #coolDown()}.
 * After the cool-down the brake checks what the restart freed: a brake that freed less than
 * {@link #minRecoveredBytes()} counts as useless, and after {@link #maxUselessBrakes()} useless brakes in
 * a row the brake stops braking and raises an alert instead, until memory is back above the floor.
 * A brake that kills and kills while the memory is held elsewhere (one user's fired 951 times with the
 * host stuck at 94 %) is what this prevents.
 *
 * <p>The floor is either absolute ({@link #floorBytes()} &gt; 0) or a fraction of the host's total memory
 * ({@link #floorFraction()} &gt; 0), exactly one of the two. Defaults (set by {@link #ofBytes} and
 * {@link #ofFraction}, {@link #builder()}): interval 1 s, cool-down 30 s, minimum recovery 256 MiB,
 * 3 useless brakes. Immutable and thread-safe; {@link Builder#build()} validates and throws
 * {@link IllegalArgumentException} naming the field, the value and what was expected.
 *
 * @param floorBytes        the floor in bytes, or 0 when {@code floorFraction} is used
 * @param floorFraction     the floor as a fraction of total memory in (0, 1), or 0 when {@code floorBytes} is used
 * @param interval          how often available memory is checked, at least 100 ms
 * @param coolDown          how long after a brake nothing more is braked and the recovery is measured, &gt;= 0
 * @param minRecoveredBytes how much available memory a brake must free to count as useful, &gt;= 0
 * @param maxUselessBrakes  useless brakes in a row after which braking stops and an alert is raised, &gt;= 1
 */
public record HostMemoryFloor(long floorBytes, double floorFraction, Duration interval, Duration coolDown,
                              long minRecoveredBytes, int maxUselessBrakes) {
    /** Default check interval: 1 s. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Default cool-down after a brake: 30 s. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(30);
    /** Default memory a brake must free: 256 MiB. */
    public static final long DEFAULT_MIN_RECOVERED_BYTES = 256L << 20;
    /** Default useless brakes in a row before giving up: 3. */
    public static final int DEFAULT_MAX_USELESS_BRAKES = 3;

    /** @throws IllegalArgumentException naming the field, the value and what was expected */
    public HostMemoryFloor {
        if (floorBytes < 0) {
            throw new IllegalArgumentException("hostMemoryFloor.floorBytes: expected >= 0, was " + floorBytes);
        }
        if (!(floorFraction >= 0 && floorFraction < 1)) {
            throw new IllegalArgumentException("hostMemoryFloor.floorFraction: expected in [0, 1), was " + floorFraction);
        }
        if ((floorBytes > 0) == (floorFraction > 0)) {
            throw new IllegalArgumentException("hostMemoryFloor: expected exactly one of floorBytes and floorFraction > 0,"
                    + " was floorBytes " + floorBytes + " and floorFraction " + floorFraction);
        }
        if (interval == null || interval.compareTo(GuardSpec.MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("hostMemoryFloor.interval: expected >= " + GuardSpec.MIN_INTERVAL
                    + ", was " + interval);
        }
        if (coolDown == null || coolDown.isNegative()) {
            throw new IllegalArgumentException("hostMemoryFloor.coolDown: expected >= 0, was " + coolDown);
        }
        Durations.atMostMax("hostMemoryFloor.interval", interval);
        Durations.atMostMax("hostMemoryFloor.coolDown", coolDown);
        if (minRecoveredBytes < 0) {
            throw new IllegalArgumentException("hostMemoryFloor.minRecoveredBytes: expected >= 0, was " + minRecoveredBytes);
        }
        if (maxUselessBrakes < 1) {
            throw new IllegalArgumentException("hostMemoryFloor.maxUselessBrakes: expected >= 1, was " + maxUselessBrakes);
        }
    }

    /** A floor of {@code bytes} of available memory, with the defaults. */
    public static HostMemoryFloor ofBytes(long bytes) {
        return builder().floorBytes(bytes).build();
    }

    /** A floor of {@code fraction} of total memory (e.g. 0.06 brakes at 94 % used), with the defaults. */
    public static HostMemoryFloor ofFraction(double fraction) {
        return builder().floorFraction(fraction).build();
    }

    /** A builder holding the defaults and no floor yet: set {@code floorBytes} or {@code floorFraction}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this floor's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.floorBytes = floorBytes;
        b.floorFraction = floorFraction;
        b.interval = interval;
        b.coolDown = coolDown;
        b.minRecoveredBytes = minRecoveredBytes;
        b.maxUselessBrakes = maxUselessBrakes;
        return b;
    }

    /** The floor in bytes on a host with {@code totalBytes} of memory. */
    public long floorFor(long totalBytes) {
        return floorBytes > 0 ? floorBytes : (long) (floorFraction * totalBytes);
    }

    /** Not thread-safe; {@link #build()} copies, so a built floor never changes. */
    public static final class Builder {
        private long floorBytes;
        private double floorFraction;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration coolDown = DEFAULT_COOL_DOWN;
        private long minRecoveredBytes = DEFAULT_MIN_RECOVERED_BYTES;
        private int maxUselessBrakes = DEFAULT_MAX_USELESS_BRAKES;

        private Builder() {}

        /** The floor in bytes of available memory; clears {@code floorFraction}. */
        public Builder floorBytes(long bytes) {
            this.floorBytes = bytes;
            this.floorFraction = 0;
            return this;
        }

        /** The floor as a fraction of total memory, in (0, 1); clears {@code floorBytes}. */
        public Builder floorFraction(double fraction) {
            this.floorFraction = fraction;
            this.floorBytes = 0;
            return this;
        }

        /** How often available memory is checked; default 1 s, at least 100 ms. */
        public Builder interval(Duration every) {
            this.interval = every;
            return this;
        }

        /** How long after a brake nothing more is braked; default 30 s. */
        public Builder coolDown(Duration d) {
            this.coolDown = d;
            return this;
        }

        /** How much available memory a brake must free to count as useful; default 256 MiB. */
        public Builder minRecoveredBytes(long bytes) {
            this.minRecoveredBytes = bytes;
            return this;
        }

        /** Useless brakes in a row after which braking stops and one alert is raised; default 3. */
        public Builder maxUselessBrakes(int n) {
            this.maxUselessBrakes = n;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, the value and what was expected */
        public HostMemoryFloor build() {
            return new HostMemoryFloor(floorBytes, floorFraction, interval, coolDown, minRecoveredBytes, maxUselessBrakes);
        }
    }
}

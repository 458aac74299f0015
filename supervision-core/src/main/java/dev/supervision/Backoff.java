package dev.supervision;

import java.time.Duration;
import java.util.Objects;

/**
 * Delay before a child is restarted. Orthogonal to restart intensity: every restart counts toward
 * the intensity window whatever its delay.
 *
 * <p>{@link #none()} is OTP's behaviour (restart at once). {@link Exponential}: the n-th consecutive
 * restart (n = 0, 1, ...) waits {@code min(initial * 2^n, cap)}, then jitter subtracts up to
 * {@code jitter * delay} (it never adds, so the delay never exceeds the cap); the count resets when
 * the child stayed up for {@code resetAfter}.
 */
public sealed interface Backoff {
    /** Restart at once (OTP). */
    record None() implements Backoff {}

    /** Always wait {@code delay}. */
    record Fixed(Duration delay) implements Backoff {
        public Fixed { requirePositive("delay", delay); }
    }

    /** Doubling delays with a cap, jitter in [0, 1] and a reset after a stable uptime. */
    record Exponential(Duration initial, Duration cap, double jitter, Duration resetAfter) implements Backoff {
        public Exponential {
            requirePositive("initial", initial);
            requirePositive("cap", cap);
            requirePositive("resetAfter", resetAfter);
            if (cap.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff cap must be >= initial, was cap=" + cap + " initial=" + initial);
            }
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("backoff jitter must be in [0, 1], was " + jitter);
            }
        }

        /** Same with another jitter fraction. */
        public Exponential withJitter(double fraction) { return new Exponential(initial, cap, fraction, resetAfter); }

        /** Same with another stable uptime after which the attempt count resets. */
        public Exponential resetAfter(Duration stable) { return new Exponential(initial, cap, jitter, stable); }
    }

    static Backoff none() { return new None(); }

    static Backoff fixed(Duration delay) { return new Fixed(delay); }

    /** Exponential from {@code initial} to {@code cap}, no jitter, reset after {@code 2 * cap} of uptime. */
    static Exponential exponential(Duration initial, Duration cap) {
        Objects.requireNonNull(cap, "cap");
        return new Exponential(initial, cap, 0, cap.multipliedBy(2));
    }

    /**
     * Delay before the restart that follows {@code attempt} consecutive restarts (0 for the first).
     *
     * @param random a value in [0, 1) used for jitter
     */
    default Duration delay(int attempt, double random) {
        return switch (this) {
            case None n -> Duration.ZERO;
            case Fixed f -> f.delay();
            case Exponential e -> {
                long cap = e.cap().toNanos();
                long d = e.initial().toNanos();
                for (int i = 0; i < attempt && d < cap; i++) {
                    d = d > cap / 2 ? cap : d * 2;
                }
                d = Math.min(d, cap);
                long minus = (long) (d * e.jitter() * random);
                yield Duration.ofNanos(d - minus);
            }
        };
    }

    /** Uptime after which the attempt count goes back to zero; {@code null} when it never matters. */
    default Duration stableAfter() {
        return this instanceof Exponential e ? e.resetAfter() : null;
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("backoff " + name + " must be > 0, was " + d);
        }
    }
}

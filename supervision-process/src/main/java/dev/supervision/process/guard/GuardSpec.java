package dev.supervision.process.guard;

import dev.supervision.process.internal.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The memory guards of one process child, checked every {@link #interval()} while it runs: a limit on
 * the resident memory (RSS) summed over the process and all its descendants (vLLM and PyTorch spawn
 * workers whose memory the parent's RSS does not include), and a limit on the GPU memory summed over
 * the same tree (NVIDIA only, through {@code nvidia-smi}). Exceeding a limit reports a {@link GuardTrip};
 * the child is then restarted. Before a restart, the dead tree's GPU memory is awaited for at most
 * {@link #gpuReleaseTimeout()} (a restart into still-held GPU memory is vLLM's "Free memory on device …
 * is less than desired").
 *
 * <p>Defaults ({@link #none()}, {@link #builder()}): no RSS limit and no GPU limit (0 means "no limit";
 * the tree is then still sampled at launch and every 10 s, together with every other such tree in one timer
 * task, so its RSS is known at death), interval 1 s (with a limit), GPU release timeout 60 s
 * (0 skips the wait), {@code nvidia-smi} looked up on the PATH. Without {@code nvidia-smi} a GPU limit never
 * trips and is reported unsupported once.
 *
 * <p>Immutable and thread-safe. {@link Builder#build()} validates and throws
 * {@link IllegalArgumentException} naming the field, the value and what was expected.
 *
 * @param treeRssLimitBytes   the largest RSS of the whole tree in bytes, 0 for none
 * @param gpuMemoryLimitBytes the largest GPU memory of the whole tree in bytes, 0 for none
 * @param interval            how often the tree is sampled, at least {@link #MIN_INTERVAL}
 * @param gpuReleaseTimeout   the longest wait for memory before a restart: the dead tree's GPU memory, and after a
 *                            crash whose action waits for memory, as much host memory as the tree held; 0 for no wait
 * @param nvidiaSmi           the {@code nvidia-smi} executable to ask, empty to look it up on the PATH
 */
public record GuardSpec(long treeRssLimitBytes, long gpuMemoryLimitBytes, Duration interval,
                        Duration gpuReleaseTimeout, Optional<Path> nvidiaSmi) {
    /** Default sampling interval: 1 s. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Shortest accepted sampling interval: 100 ms. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    /** Default longest wait for a dead tree's GPU memory: 60 s (a large vLLM tree frees it in seconds). */
    public static final Duration DEFAULT_GPU_RELEASE_TIMEOUT = Duration.ofSeconds(60);

    private static final GuardSpec NONE = new GuardSpec(0, 0, DEFAULT_INTERVAL, DEFAULT_GPU_RELEASE_TIMEOUT, Optional.empty());

    /** @throws IllegalArgumentException naming the field, the value and what was expected */
    public GuardSpec {
        if (treeRssLimitBytes < 0) {
            throw new IllegalArgumentException("guards.treeRssLimitBytes: expected >= 0 (0 = no limit), was "
                    + treeRssLimitBytes);
        }
        if (gpuMemoryLimitBytes < 0) {
            throw new IllegalArgumentException("guards.gpuMemoryLimitBytes: expected >= 0 (0 = no limit), was "
                    + gpuMemoryLimitBytes);
        }
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("guards.interval: expected >= " + MIN_INTERVAL + ", was " + interval);
        }
        Durations.atMostMax("guards.interval", interval);
        if (gpuReleaseTimeout == null || gpuReleaseTimeout.isNegative()) {
            throw new IllegalArgumentException("guards.gpuReleaseTimeout: expected >= 0 (0 = no wait), was "
                    + gpuReleaseTimeout);
        }
        Durations.atMostMax("guards.gpuReleaseTimeout", gpuReleaseTimeout);
        if (nvidiaSmi == null) {
            throw new IllegalArgumentException("guards.nvidiaSmi: expected a path or empty, was null");
        }
    }

    /** No limits, the defaults otherwise. */
    public static GuardSpec none() {
        return NONE;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder(NONE);
    }

    /** A builder holding this spec's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether any limit is set, i.e. whether a guard can trip. */
    public boolean hasLimits() {
        return treeRssLimitBytes > 0 || gpuMemoryLimitBytes > 0;
    }

    /** Not thread-safe; {@link #build()} copies, so a built spec never changes. */
    public static final class Builder {
        private long treeRssLimitBytes;
        private long gpuMemoryLimitBytes;
        private Duration interval;
        private Duration gpuReleaseTimeout;
        private Path nvidiaSmi;

        private Builder(GuardSpec from) {
            treeRssLimitBytes = from.treeRssLimitBytes;
            gpuMemoryLimitBytes = from.gpuMemoryLimitBytes;
            interval = from.interval;
            gpuReleaseTimeout = from.gpuReleaseTimeout;
            nvidiaSmi = from.nvidiaSmi.orElse(null);
        }

        /** The largest RSS of the process tree in bytes; 0 (the default) for no limit. */
        public Builder treeRssLimitBytes(long bytes) {
            this.treeRssLimitBytes = bytes;
            return this;
        }

        /** The largest GPU memory of the process tree in bytes; 0 (the default) for no limit. */
        public Builder gpuMemoryLimitBytes(long bytes) {
            this.gpuMemoryLimitBytes = bytes;
            return this;
        }

        /** How often the tree is sampled; default 1 s, at least 100 ms. */
        public Builder interval(Duration every) {
            this.interval = every;
            return this;
        }

        /** The longest wait for a dead tree's GPU memory before a restart; default 60 s, 0 for no wait. */
        public Builder gpuReleaseTimeout(Duration max) {
            this.gpuReleaseTimeout = max;
            return this;
        }

        /**
         * The {@code nvidia-smi} to ask for GPU memory (e.g. {@code /usr/lib/wsl/lib/nvidia-smi}); default null:
         * looked up on the PATH.
         */
        public Builder nvidiaSmi(Path executable) {
            this.nvidiaSmi = executable;
            return this;
        }

        /** @throws IllegalArgumentException naming the field, the value and what was expected */
        public GuardSpec build() {
            return new GuardSpec(treeRssLimitBytes, gpuMemoryLimitBytes, interval, gpuReleaseTimeout, Optional.ofNullable(nvidiaSmi));
        }
    }
}

package dev.supervision.process.guard;

import java.util.List;

/**
 * What a memory guard saw when it tripped: which limit, the value measured, the limit, and the pids of
 * the process tree concerned. Immutable. {@link #reason()} is the guard reason that the crash
 * signatures match ({@link CrashSignature.Builder#onGuard(String)}).
 *
 * @param kind          which guard tripped
 * @param measuredBytes the value measured: the tree's RSS ({@link Kind#RSS_LIMIT}), the tree's GPU memory
 *                      ({@link Kind#GPU_LIMIT}), or the host's available memory ({@link Kind#HOST_MEMORY_FLOOR})
 * @param limitBytes    the limit it was compared with (for the floor: the floor, which the value fell below)
 * @param pids          the processes of the tree concerned, root first (for the floor: the tree chosen to restart)
 */
public record GuardTrip(Kind kind, long measuredBytes, long limitBytes, List<Long> pids) {
    /** Which guard tripped. */
    public enum Kind {
        /** The resident memory summed over a process tree exceeded {@link GuardSpec#treeRssLimitBytes()}. */
        RSS_LIMIT,
        /** The GPU memory summed over a process tree exceeded {@link GuardSpec#gpuMemoryLimitBytes()}. */
        GPU_LIMIT,
        /** The host's available memory fell below the {@link HostMemoryFloor}: the emergency brake. */
        HOST_MEMORY_FLOOR
    }

    /** @throws NullPointerException if {@code kind} or {@code pids} is null */
    public GuardTrip {
        java.util.Objects.requireNonNull(kind, "kind");
        pids = List.copyOf(pids);
    }

    /**
     * The guard reason for crash classification: {@code "memory-limit"} for {@link Kind#RSS_LIMIT} and
     * {@link Kind#HOST_MEMORY_FLOOR}, {@code "gpu-memory-limit"} for {@link Kind#GPU_LIMIT} (the built-in
     * signatures {@code guard-memory-limit} and {@code guard-gpu-memory-limit}).
     */
    public String reason() {
        return kind == Kind.GPU_LIMIT ? "gpu-memory-limit" : "memory-limit";
    }

    @Override
    public String toString() {
        return kind + ": " + measuredBytes + " bytes against a limit of " + limitBytes + " bytes, pids " + pids;
    }
}

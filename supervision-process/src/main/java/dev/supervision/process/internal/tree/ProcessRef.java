package dev.supervision.process.internal.tree;

/**
 * One OS process, identified so that a reused pid is never mistaken for it: the pid together with the
 * process's start time. The start time's unit is platform-specific and only ever compared for equality
 * with another value from {@link ProcessScan#startTime(long)} on the same machine: on Linux the clock
 * ticks since boot from field 22 of {@code /proc/<pid>/stat}; elsewhere epoch milliseconds from
 * {@link ProcessHandle.Info#startInstant()}.
 *
 * @param pid the process id
 * @param startTime the start time, as above
 */
public record ProcessRef(long pid, long startTime) {
    /** @throws IllegalArgumentException if {@code pid} is not positive */
    public ProcessRef {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
    }

    @Override
    public String toString() {
        return "pid " + pid + " (start " + startTime + ")";
    }
}

package dev.supervision.process.crash;

/**
 * How the kind of a crash was established: what a reader of a {@link CrashReport} can take as fact, and
 * what not. A kind is never stated on a weaker basis than the one it names (an OOM kill by the kernel is
 * {@link CrashKind#KERNEL_OOM_KILL} only on a kernel line or the cgroup's counter; a bare SIGKILL is
 * {@link CrashKind#KILLED}).
 */
public enum CrashBasis {
    /** An output line of the process matched a crash signature; the report quotes the line. */
    OUTPUT_LINE,
    /** The exit status alone (a signal, an exit code): says how the process ended, not why. */
    EXIT_STATUS,
    /** A guard of this supervisor measured it (memory over a limit, the host under its floor) and stopped the tree. */
    GUARD,
    /** The kernel counted it: the process's cgroup {@code oom_kill} counter rose while the process died of SIGKILL. */
    KERNEL_COUNTER,
    /** A check of this supervisor failed (liveness probe, heartbeat file, output silence) and it stopped the tree. */
    CHECK;

    /** A short phrase for logs: "by an output line", "by the exit status", ... */
    public String phrase() {
        return switch (this) {
            case OUTPUT_LINE -> "by an output line";
            case EXIT_STATUS -> "by the exit status alone";
            case GUARD -> "by a memory guard";
            case KERNEL_COUNTER -> "by the kernel's OOM-kill counter";
            case CHECK -> "by a failed check";
        };
    }
}

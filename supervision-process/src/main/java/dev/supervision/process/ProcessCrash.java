package dev.supervision.process;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Why an OS-process child ended without being asked to: the cause inside
 * {@link dev.supervision.ExitReason.Failure} or {@link dev.supervision.ExitReason.Fatal}. Carries
 * the exit status, the uptime and the last lines of output for crash reports.
 */
public final class ProcessCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of end it was. */
    public enum Kind {
        /** Exited with a code outside the normal set. */
        EXIT_CODE,
        /** Killed by a signal (SIGSEGV, SIGKILL from the kernel's OOM killer, ...). */
        SIGNAL,
        /** Exited before it became ready. */
        DIED_STARTING,
        /** The liveness probe failed {@code failureThreshold} times in a row; the tree was stopped. */
        LIVENESS,
        /** No output for the silence timeout; the tree was stopped. */
        SILENCE,
        /** The heartbeat file went stale; the tree was stopped. */
        HEARTBEAT,
        /** Exited with a fatal exit code: not restarted. */
        FATAL_EXIT_CODE
    }

    private final Kind kind;
    private final Integer exitValue;
    private final long pid;
    private final Duration uptime;
    private final String[] lastLines;

    public ProcessCrash(Kind kind, String detail, Optional<ExitStatus> exit, long pid, Duration uptime, List<String> lastLines) {
        super(detail, null, false, false);
        this.kind = kind;
        this.exitValue = exit.map(ExitStatus::exitValue).orElse(null);
        this.pid = pid;
        this.uptime = uptime;
        this.lastLines = lastLines.toArray(String[]::new);
    }

    public Kind kind() { return kind; }

    /** How the process ended; empty when it was stopped by us after a failed check and the status is unknown. */
    public Optional<ExitStatus> exit() { return Optional.ofNullable(exitValue).map(ExitStatus::new); }

    public long pid() { return pid; }

    public Duration uptime() { return uptime; }

    /** The last lines of output (both streams, in arrival order), oldest first. */
    public List<String> lastLines() { return List.of(lastLines); }

    @Override
    public String toString() { return kind + ": " + getMessage(); }
}

package dev.supervision.process;

import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.ExitStatus;
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
        /** Killed by a signal (SIGSEGV, SIGABRT, SIGKILL from whoever sent it, ...). */
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
        FATAL_EXIT_CODE,
        /** The RSS of the process tree exceeded {@link GuardSpec#treeRssLimitBytes()}; the tree was stopped. */
        MEMORY_LIMIT,
        /** The GPU memory of the process tree exceeded {@link GuardSpec#gpuMemoryLimitBytes()}; the tree was stopped. */
        GPU_MEMORY_LIMIT,
        /** The host fell below its {@link HostMemoryFloor} and this tree, the largest, was restarted (not counted). */
        HOST_MEMORY_FLOOR;

        /** How a crash of this kind is known, when no crash signature says more. */
        public CrashBasis basis() {
            return switch (this) {
                case EXIT_CODE, SIGNAL, DIED_STARTING, FATAL_EXIT_CODE -> CrashBasis.EXIT_STATUS;
                case LIVENESS, SILENCE, HEARTBEAT -> CrashBasis.CHECK;
                case MEMORY_LIMIT, GPU_MEMORY_LIMIT, HOST_MEMORY_FLOOR -> CrashBasis.GUARD;
            };
        }
    }

    private final Kind kind;
    private final Integer exitValue;
    private final long pid;
    private final Duration uptime;
    private final String[] lastLines;
    /** Not serialized: a deserialized crash has no report. */
    private final transient CrashReport report;

    public ProcessCrash(Kind kind, String detail, Optional<ExitStatus> exit, long pid, Duration uptime, List<String> lastLines) {
        this(kind, detail, exit.map(ExitStatus::exitValue).orElse(null), pid, uptime, lastLines.toArray(String[]::new), null);
    }

    private ProcessCrash(Kind kind, String detail, Integer exitValue, long pid, Duration uptime, String[] lastLines, CrashReport report) {
        super(detail, null, false, false);
        this.kind = kind;
        this.exitValue = exitValue;
        this.pid = pid;
        this.uptime = uptime;
        this.lastLines = lastLines;
        this.report = report;
    }

    /**
     * This crash with its report attached; the message gains the classification when a crash signature
     * made one (kind, how it is known, the evidence).
     */
    public ProcessCrash withReport(CrashReport report) {
        String detail = getMessage();
        if (!report.kind().equals(kind.name())) {
            detail += " [" + report.kind() + " " + report.basis().phrase() + ": " + report.evidence() + "]";
        }
        return new ProcessCrash(kind, detail, exitValue, pid, uptime, lastLines, report);
    }

    /** The crash report (classification, resources, requests in flight), when the process child made one. */
    public Optional<CrashReport> report() { return Optional.ofNullable(report); }

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

package dev.supervision.process;

import dev.supervision.ChildNotice;
import java.time.Duration;
import java.util.List;

/**
 * What an OS-process child reports, delivered to supervisor listeners as
 * {@link dev.supervision.SupervisorEvent.ChildNoticed} with one of these as its notice.
 */
public sealed interface ProcessEvent extends ChildNotice {
    /** The process was launched (not yet ready). */
    record Launched(long pid, List<String> argv) implements ProcessEvent {
        public Launched { argv = List.copyOf(argv); }
        @Override public String describe() { return "launched pid " + pid + ": " + String.join(" ", argv); }
    }

    /** The readiness probe passed (or {@code startSeconds} of uptime elapsed); the start is complete. */
    record Ready(long pid, Duration after, String how) implements ProcessEvent {
        @Override public String describe() { return "pid " + pid + " ready after " + after + " (" + how + ")"; }
    }

    /** A liveness probe attempt failed. */
    record ProbeFailed(String probe, String detail, int consecutive, int threshold) implements ProcessEvent {
        @Override public String describe() {
            return "liveness " + probe + " failed (" + consecutive + "/" + threshold + "): " + detail;
        }
    }

    /** Processes of a previous run of this tree (its JVM died) were found and stopped before this start. */
    record OrphansCleaned(List<String> processes) implements ProcessEvent {
        public OrphansCleaned { processes = List.copyOf(processes); }
        @Override public String describe() { return "cleaned " + processes.size() + " orphan process(es): " + processes; }
    }

    /** Processes still alive after the stop timeout were killed with SIGKILL. */
    record StopEscalated(List<Long> killedPids, Duration after) implements ProcessEvent {
        public StopEscalated { killedPids = List.copyOf(killedPids); }
        @Override public String describe() { return "SIGKILL after " + after + " to " + killedPids; }
    }

    /**
     * An incarnation crashed: what is known of it, and what is done about it. Every crash has one, the
     * classified and the unclassified; {@code action} is the matched signature's, {@link CrashAction#restart()}
     * without a match. An {@link CrashAction.Alert} action asks for a person's attention.
     */
    record Crashed(CrashReport report, CrashAction action) implements ProcessEvent {
        @Override public String describe() {
            return "crashed (" + report.kind() + report.matchedLine().map(l -> ": " + l).orElse("") + "); "
                    + action + report.advice().map(a -> "; advice: " + a).orElse("");
        }
    }
}

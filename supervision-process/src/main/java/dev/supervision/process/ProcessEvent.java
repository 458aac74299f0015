package dev.supervision.process;

import dev.supervision.ChildNotice;
import dev.supervision.Human;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.guard.GuardTrip;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        @Override public String describe() { return "pid " + pid + " ready after " + Human.duration(after) + " (" + how + ")"; }
    }

    /**
     * An attempt of the readiness probe failed: the process is not ready yet ({@code attempt} counts from 1,
     * {@code waited} since the launch). One per attempt, every {@code readinessInterval}: a listener that logs
     * should log these at debug level (the process child itself logs a summary at a slowing cadence).
     */
    record ReadinessFailed(long pid, String probe, String error, int attempt, Duration waited) implements ProcessEvent {
        @Override public String describe() {
            return "pid " + pid + " not ready after " + Human.duration(waited) + " (attempt " + attempt + "): " + probe + ": " + error;
        }
    }

    /**
     * The start is still waiting for readiness: sent after 5 s, then at a slowing cadence (twice the delay, at most a
     * minute apart) until the process is ready or the start fails; {@code waitingFor} says what it waits for and, for a
     * probe, how its attempts went so far.
     */
    record NotReadyYet(long pid, Duration waited, String waitingFor) implements ProcessEvent {
        @Override public String describe() {
            return "pid " + pid + " is not ready after " + Human.duration(waited) + "; still waiting for " + waitingFor;
        }
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
        @Override public String describe() { return "SIGKILL after " + Human.duration(after) + " to " + killedPids; }
    }

    /**
     * An incarnation crashed: what is known of it, and what the crash signature says to do. Every crash has
     * one, the classified and the unclassified; {@code action} is the matched signature's,
     * {@link CrashAction#restart()} without a match. Whether the child is restarted is the supervisor's
     * decision (its restart type, intensity and backoff), reported by its own events; only an action that
     * rules a restart out is final here. An {@link CrashAction.Alert} action asks for a person's attention.
     */
    record Crashed(CrashReport report, CrashAction action) implements ProcessEvent {
        @Override public String describe() {
            return "crashed: " + report.kind() + " (" + report.basis().phrase() + "): " + report.evidence()
                    + (action.restarts() ? "" : "; not restarted: the crash signature rules a restart out")
                    + (action instanceof CrashAction.Alert ? "; needs a person" : "")
                    + report.advice().map(a -> "; advice: " + a).orElse("");
        }
    }

    /** A memory guard tripped: the tree is stopped (limits) or restarted (the host memory floor's brake). */
    record GuardTripped(GuardTrip trip) implements ProcessEvent {
        @Override public String describe() { return "memory guard tripped: " + trip; }
    }

    /**
     * Before this start, the previous incarnation's GPU memory was awaited: {@code released} when none of
     * its pids held any more, else the start goes ahead after the timeout with {@code stillHeld} (pid to
     * bytes) still held. Not sent when nothing was held or GPU memory cannot be read.
     */
    record GpuMemoryAwaited(Duration waited, boolean released, Map<Long, Long> stillHeld) implements ProcessEvent {
        public GpuMemoryAwaited { stillHeld = Map.copyOf(stillHeld); }
        @Override public String describe() {
            return released ? "GPU memory of the previous incarnation released after " + Human.duration(waited)
                    : "GPU memory still held after " + Human.duration(waited) + " by " + stillHeld + " (bytes by pid); starting anyway";
        }
    }

    /**
     * Before this start, after a crash whose action waits for memory (a {@code MemoryError}), the host's
     * available memory was awaited until it reached what the dead tree held ({@code neededBytes}):
     * {@code available} when it did, else the start goes ahead after the timeout. Not sent when the memory
     * was there at once.
     */
    record HostMemoryAwaited(Duration waited, boolean available, long neededBytes, long availableBytes) implements ProcessEvent {
        @Override public String describe() {
            return (available ? "host memory available after " : "host memory still short after ") + Human.duration(waited) + " ("
                    + availableBytes + " bytes available, " + neededBytes + " needed)" + (available ? "" : "; starting anyway");
        }
    }

    /**
     * The alert of the host memory floor this child shares: brakes in a row freed too little memory,
     * so braking is suspended until available memory is back above the floor. Sent to every candidate.
     */
    record HostMemoryAlert(int uselessBrakes, long availableBytes, long floorBytes) implements ProcessEvent {
        @Override public String describe() {
            return "ALERT: " + uselessBrakes + " emergency brakes in a row freed too little memory (" + availableBytes
                    + " bytes available, floor " + floorBytes + "); braking suspended until memory recovers";
        }
    }
}

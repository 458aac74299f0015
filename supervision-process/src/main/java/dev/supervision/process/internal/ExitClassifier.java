package dev.supervision.process.internal;

import dev.supervision.ExitReason;
import dev.supervision.process.ExitStatus;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Turns how a process ended into the core's exit reason, per the spec's exit-code sets. */
final class ExitClassifier {
    private ExitClassifier() {}

    /**
     * @param stopRequested the supervisor asked it to stop: whatever the status, this is a shutdown
     * @param ready         false when it died before becoming ready
     */
    static ExitReason classify(ProcessSpec spec, int exitValue, boolean stopRequested, boolean ready,
                               long pid, Duration uptime, List<String> lastLines) {
        ExitStatus status = new ExitStatus(exitValue);
        if (stopRequested) return new ExitReason.Shutdown(status.toString());
        if (spec.normalExitCodes().contains(exitValue) && ready) return ExitReason.NORMAL;
        if (spec.restartNowCodes().contains(exitValue)) return new ExitReason.RestartNow(status.toString());
        if (spec.fatalExitCodes().contains(exitValue)) {
            return new ExitReason.Fatal(new ProcessCrash(ProcessCrash.Kind.FATAL_EXIT_CODE,
                    "'" + spec.id() + "' " + status + " (a fatal exit code: not restarted)", Optional.of(status), pid, uptime, lastLines));
        }
        ProcessCrash.Kind kind = !ready ? ProcessCrash.Kind.DIED_STARTING
                : status.signal().isPresent() ? ProcessCrash.Kind.SIGNAL : ProcessCrash.Kind.EXIT_CODE;
        String detail = "'" + spec.id() + "' " + status + (ready ? "" : " before it was ready") + " after " + uptime;
        return new ExitReason.Failure(new ProcessCrash(kind, detail, Optional.of(status), pid, uptime, lastLines));
    }
}

package dev.supervision.process.internal.run;

import dev.supervision.ExitReason;
import dev.supervision.Human;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.ExitStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Turns how a process ended into the core's exit reason, per the spec's exit-code sets. */
final class ExitClassifier {
    private ExitClassifier() {}

    /** The exit of a ready process that nobody asked to stop. */
    static ExitReason classify(ProcessSpec spec, String name, int exitValue, long pid, Duration uptime, List<String> lastLines) {
        ExitStatus status = new ExitStatus(exitValue);
        if (spec.normalExitCodes().contains(exitValue)) return ExitReason.NORMAL;
        if (spec.restartNowCodes().contains(exitValue)) return new ExitReason.RestartNow(status.toString());
        if (spec.fatalExitCodes().contains(exitValue)) {
            return new ExitReason.Fatal(new ProcessCrash(ProcessCrash.Kind.FATAL_EXIT_CODE,
                    "'" + name + "' " + status + " (a fatal exit code: not restarted)", Optional.of(status), pid, uptime, lastLines));
        }
        ProcessCrash.Kind kind = status.signal().isPresent() ? ProcessCrash.Kind.SIGNAL : ProcessCrash.Kind.EXIT_CODE;
        String detail = "'" + name + "' " + status + " after " + Human.duration(uptime);
        return new ExitReason.Failure(new ProcessCrash(kind, detail, Optional.of(status), pid, uptime, lastLines));
    }
}

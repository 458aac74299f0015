package dev.supervision.process.internal.run;

import dev.supervision.process.ProcessCrash;
import dev.supervision.process.crash.CrashReport;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Crash reports made from what a process child knows of a crash. */
final class Reports {
    private Reports() {}

    /**
     * A report with nothing measured or matched yet: the crash's kind name, known {@linkplain
     * ProcessCrash.Kind#basis() as that kind is}, its message as the evidence; the rest is added with the
     * report's {@code with...} methods.
     */
    static CrashReport of(String tree, String child, long incarnation, Instant time, ProcessCrash crash) {
        return new CrashReport(tree, child, incarnation, time, crash.kind().name(), crash.kind().basis(), crash.getMessage(),
                Optional.empty(), crash.exit(), crash.lastLines(), crash.uptime(), OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), List.of());
    }
}

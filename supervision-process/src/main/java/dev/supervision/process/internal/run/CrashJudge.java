package dev.supervision.process.internal.run;

import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashMatch;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.Severity;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.spi.ChildContext;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one incarnation's crash was: classified (its output, its exit status, its guards, the kernel's OOM-kill
 * counter), reported (written to the tree's history, handed to the advisor for the next start, announced as
 * {@link ProcessEvent.Crashed}) and returned with the report attached. Called once per crash, on the thread
 * that reports the exit.
 */
final class CrashJudge {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);

    /** A crash with its report attached, and whether its classified action allows a restart. */
    record Judged(ProcessCrash crash, boolean restarts) {}

    private final ProcessSpec spec;
    private final ChildContext ctx;
    private final long pid;
    private final ProcessStarter owner;
    private final MemoryWatch memory;
    /** Null when classification is off (an empty signature library). */
    private final CrashClassifier classifier;

    CrashJudge(ProcessSpec spec, ChildContext ctx, long pid, ProcessStarter owner, MemoryWatch memory, CrashClassifier classifier) {
        this.spec = spec;
        this.ctx = ctx;
        this.pid = pid;
        this.owner = owner;
        this.memory = memory;
        this.classifier = classifier;
    }

    /**
     * Judges {@code crash}, which ended with {@code status}.
     *
     * @param stoppedByUs we stopped the tree (a failed check, a guard): its exit status says nothing, only its
     *                    output and the guard's reason count
     */
    Judged judge(ProcessCrash crash, ExitStatus status, boolean stoppedByUs) {
        Optional<CrashClassification> verdict = Optional.empty();
        String oomNote = "";
        CrashClassifier c = classifier;
        if (c != null) {
            if (stoppedByUs) {
                verdict = byLinesOnly(c, status);
            } else {
                oomNote = memory.checkOomKill(c, status);
                verdict = c.verdict(status);
            }
        }
        CrashReport report = Reports.of(ctx.supervisor(), ctx.id(), ctx.incarnation(), Instant.now(), crash);
        if (verdict.isPresent()) {
            CrashClassification v = verdict.get();
            report = report.withClassification(v, v.basis() == CrashBasis.EXIT_STATUS ? oomNote : "");
        }
        report = report.withResources(memory.lastRssBytes(), memory.lastGpuBytes());
        if (spec.inFlightRequests().isPresent()) {
            report = report.withInFlightRequests(spec.inFlightRequests().get().snapshot(ctx.id()));
        }
        CrashAction action = verdict.map(CrashClassification::action).orElse(CrashAction.restart());
        write(report);
        owner.ended(Optional.of(report), action, memory.lastPids());
        if (action instanceof CrashAction.Alert) {
            LOG.error("ALERT process '{}' (pid {}) crashed: {} — {}", ctx.id(), pid, report.kind(), report.advice().orElse(crash.getMessage()));
        }
        ctx.notify(new ProcessEvent.Crashed(report, action));
        return new Judged(crash.withReport(report), action.restarts());
    }

    /**
     * Appends the crash report to the tree's history before the crash is announced or the exit reported,
     * so that a CLI that exits once its tree gave up never loses the last report. The history fsyncs
     * right after, off this thread (a machine brought down by the GPU fault that crashed the process must
     * still show it).
     */
    private void write(CrashReport report) {
        Optional<CrashHistory> history = Optional.empty();
        try {
            history = owner.history(ctx.supervisor());
            if (history.isPresent()) history.get().append(report);
        } catch (RuntimeException e) {
            LOG.error("process '{}': cannot write the crash report to {}", ctx.id(),
                    history.map(CrashHistory::file).map(Path::toString).orElse("the crash history"), e);
        }
    }

    /** The most severe line match, for a run we stopped after a failed check. */
    private static Optional<CrashClassification> byLinesOnly(CrashClassifier c, ExitStatus status) {
        List<CrashMatch> matches = c.matches();
        if (matches.isEmpty()) return Optional.empty();
        CrashMatch worst = matches.get(matches.size() - 1);
        return worst.severity().compareTo(Severity.INFO) > 0
                ? Optional.of(new CrashClassification(worst, Optional.of(matches.get(0)), status)) : Optional.empty();
    }
}

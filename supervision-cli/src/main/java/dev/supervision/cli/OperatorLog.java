package dev.supervision.cli;

import dev.supervision.ExitReason;
import dev.supervision.Human;
import dev.supervision.SupervisorEvent;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashReport;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The tree's events as the CLI's log: one plain sentence per event, at the level it deserves, the child named by its
 * path. A crash is said once, with what follows it: {@code server: crashed — torch.OutOfMemoryError: CUDA out of
 * memory (GPU_OOM, known by an output line), restarting in 2 s, attempt 3/5; advice: ...}. The JSON format carries the
 * same sentence with the event's fields ({@code child}, {@code event}, {@code kind}, {@code restartInMillis},
 * {@code attempt}).
 *
 * <p>Called on the root supervisor's loop thread, in order (a listener); not thread-safe otherwise.
 */
final class OperatorLog {
    private static final Logger LOG = LoggerFactory.getLogger("supervise");
    /** The longest a crash's evidence is quoted in a line (the whole report: {@code supervise crashes}). */
    private static final int EVIDENCE = 160;

    private final String root;
    private final int rootIntensity;
    /** A crash said by its report, waiting for what the supervisor does about it (restart, give up). */
    private final Map<String, Pending> pending = new HashMap<>();
    private final boolean oneCommand;

    private record Pending(String text, String kind, boolean restartable, String advice) {}

    /**
     * @param oneCommand one wrapped command: its fatal end is said by the CLI's exit line, not here
     */
    OperatorLog(String root, int rootIntensity, boolean oneCommand) {
        this.root = root;
        this.rootIntensity = rootIntensity;
        this.oneCommand = oneCommand;
    }

    void on(SupervisorEvent event) {
        switch (event) {
            case SupervisorEvent.ChildNoticed n when n.notice() instanceof ProcessEvent.Crashed c -> {
                String path = path(n.supervisor(), n.child());
                flush(path);
                pending.put(path, new Pending(crash(c.report()), c.report().kind(), c.action().restarts(), c.report().advice().orElse(null)));
                if (c.action() instanceof CrashAction.Alert) {
                    log(Level.ERROR, path, "Alert", path + ": this crash needs a person (" + c.report().kind() + "): see supervise crashes " + path);
                }
            }
            case SupervisorEvent.ChildNoticed n -> notice(path(n.supervisor(), n.child()), n.notice());
            case SupervisorEvent.ChildExited e -> exited(path(e.supervisor(), e.child()), e.reason());
            case SupervisorEvent.RestartScheduled r -> {
                String path = path(r.supervisor(), r.child());
                Pending p = pending.remove(path);
                String attempt = "attempt " + r.attempt() + (r.supervisor().equals(root) ? "/" + rootIntensity : "");
                String text = (p == null ? path + ": restarting" : path + ": crashed — " + p.text() + ", restarting")
                        + " in " + Human.duration(r.delay()) + ", " + attempt;
                LOG.atLevel(p == null ? Level.INFO : Level.WARN).addKeyValue("child", path).addKeyValue("event", "RestartScheduled")
                   .addKeyValue("kind", p == null ? null : p.kind()).addKeyValue("restartInMillis", r.delay().toMillis())
                   .addKeyValue("attempt", r.attempt()).log(text + advice(p));
            }
            case SupervisorEvent.IntensityExceeded i -> {
                String path = path(i.supervisor(), i.child());
                Pending p = pending.remove(path);
                log(Level.ERROR, path, "IntensityExceeded", (p == null ? path + ": failed" : path + ": crashed — " + p.text())
                        + "; not restarted: that would be more than " + i.intensity() + " restart(s) within " + Human.duration(i.period())
                        + (i.supervisor().equals(root) ? "" : ", so supervisor " + i.supervisor() + " gives up") + advice(p));
            }
            case SupervisorEvent.StartFailed f -> {
                String path = path(f.supervisor(), f.child());
                flush(path);
                log(Level.WARN, path, "StartFailed", path + ": failed to start — " + message(f.cause()));
            }
            case SupervisorEvent.CircuitOpened c -> log(Level.WARN, path(c.supervisor(), c.child()), "CircuitOpened",
                    path(c.supervisor(), c.child()) + ": circuit open: no restart for " + Human.duration(c.coolDown()));
            case SupervisorEvent.CircuitHalfOpen c -> log(Level.INFO, path(c.supervisor(), c.child()), "CircuitHalfOpen",
                    path(c.supervisor(), c.child()) + ": circuit half open: trying one restart");
            case SupervisorEvent.CircuitClosed c -> log(Level.INFO, path(c.supervisor(), c.child()), "CircuitClosed",
                    path(c.supervisor(), c.child()) + ": circuit closed: restarts as usual");
            case SupervisorEvent.ChildAbandoned a -> log(Level.WARN, path(a.supervisor(), a.child()), "ChildAbandoned",
                    path(a.supervisor(), a.child()) + ": abandoned: " + a.detail());
            case SupervisorEvent.ChildStarted s -> LOG.debug("{}: started", path(s.supervisor(), s.child()));
            case SupervisorEvent.SupervisorTerminated t -> {
                pending.keySet().stream().toList().forEach(this::flush);
                LOG.debug("{}: terminated ({})", t.supervisor(), t.reason());
            }
        }
    }

    private void notice(String path, dev.supervision.ChildNotice notice) {
        if (!(notice instanceof ProcessEvent p)) {
            log(Level.INFO, path, notice.getClass().getSimpleName(), path + ": " + notice.describe());
            return;
        }
        Level level = switch (p) {
            case ProcessEvent.ReadinessFailed r -> Level.DEBUG;                // one per attempt; the process sums them up
            case ProcessEvent.Launched l -> Level.INFO;
            case ProcessEvent.Ready r -> Level.INFO;
            case ProcessEvent.NotReadyYet r -> Level.INFO;
            case ProcessEvent.GpuMemoryAwaited g -> g.released() ? Level.INFO : Level.WARN;
            case ProcessEvent.HostMemoryAwaited h -> h.available() ? Level.INFO : Level.WARN;
            case ProcessEvent.HostMemoryAlert a -> Level.ERROR;
            default -> Level.WARN;                                              // a failed probe, orphans, a SIGKILL, a guard
        };
        log(level, path, p.getClass().getSimpleName(), path + ": " + p.describe());
    }

    private void exited(String path, ExitReason reason) {
        Pending p = pending.get(path);
        switch (reason) {
            case ExitReason.Failure f -> {
                if (p == null) pending.put(path, new Pending(exitText(f.cause()), null, true, null));
            }
            case ExitReason.Fatal f -> {
                pending.remove(path);
                if (!oneCommand) {
                    log(Level.ERROR, path, "Fatal", path + ": " + (p == null ? "failed — " + exitText(f.cause()) : "crashed — " + p.text())
                            + "; not restarted (" + (p != null && !p.restartable() ? "the crash signature rules a restart out"
                            : "a fatal exit code") + ")" + advice(p));
                }
            }
            case ExitReason.Normal n -> {
                flush(path);
                log(Level.INFO, path, "Exited", path + ": exited normally");
            }
            case ExitReason.Shutdown s -> {
                pending.remove(path);
                LOG.debug("{}: stopped ({})", path, s);
            }
            case ExitReason.RestartNow r -> {
                pending.remove(path);
                log(Level.INFO, path, "RestartNow", path + ": asked to be restarted now (" + r.detail() + ")");
            }
        }
    }

    /** A crash that no restart or give-up followed (a temporary child, the tree stopping): said alone. */
    private void flush(String path) {
        Pending p = pending.remove(path);
        if (p != null) log(Level.WARN, path, "Crashed", path + ": crashed — " + p.text() + advice(p));
    }

    private static String advice(Pending p) {
        return p == null || p.advice() == null ? "" : "; advice: " + p.advice();
    }

    private String path(String supervisor, String child) {
        return EventText.path(root, supervisor, child);
    }

    /** {@code EVIDENCE (KIND, known by ...)}, the evidence cut to its first {@value #EVIDENCE} characters. */
    private static String crash(CrashReport r) {
        String evidence = r.evidence().length() > EVIDENCE ? r.evidence().substring(0, EVIDENCE) + "…" : r.evidence();
        return evidence + " (" + r.kind() + ", known " + r.basis().phrase() + ")";
    }

    private static String exitText(Throwable cause) {
        if (cause instanceof ProcessCrash c) return c.getMessage();
        return message(cause);
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static void log(Level level, String path, String event, String text) {
        LOG.atLevel(level).addKeyValue("child", path).addKeyValue("event", event).log(text);
    }
}

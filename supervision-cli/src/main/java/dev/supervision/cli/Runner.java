package dev.supervision.cli;

import dev.supervision.ChildSpec;
import dev.supervision.ExitReason;
import dev.supervision.FatalStartException;
import dev.supervision.Human;
import dev.supervision.Shutdown;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.internal.Json;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.proxy.ReplayingProxy;
import dev.supervision.process.CannotExecute;
import dev.supervision.process.ProcessCrash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Plan} until the tree ends or the JVM is asked to stop, and decides the exit status.
 *
 * <p>Stopping: SIGTERM and SIGINT run the JVM's shutdown hooks; ours stops the tree (every process
 * tree gets its stop signal, SIGKILL after its stop timeout), closes the status endpoint and halts
 * with status 0, so a requested stop is not reported as a failure (a JVM ended by SIGTERM otherwise
 * exits 143). When the CLI itself decides to exit ({@link #exit}), the hook halts with that status.
 */
final class Runner {
    private static final Logger LOG = LoggerFactory.getLogger("supervise");
    private static final long SWEEP_POLL_MS = 50;
    private static final long STATUS_START_WAIT_MS = 5_000;
    /** Events kept for {@code supervise events}. */
    private static final int EVENTS = 1_000;

    private final Plan plan;
    private final AtomicReference<Supervisor> current = new AtomicReference<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicInteger runOnceExit = new AtomicInteger(-1);
    /** For one wrapped command that failed for good: the status to exit with, else -1. */
    private final AtomicInteger fatalExit = new AtomicInteger(-1);
    /** The tree's first start is complete: a start failure from now on is a restart's (run() handles the first). */
    private volatile boolean running;
    private volatile int decided = -1;
    private volatile StatusServer status;
    private volatile Thread statusStarter;
    private final List<RunningProxy> proxies = new CopyOnWriteArrayList<>();
    private final ChildLogs logs;
    private final Feed events = new Feed(EVENTS);
    private final OperatorLog operatorLog;
    private final Metrics metrics;
    private volatile Path stateDir;
    private volatile StatusServer health;

    Runner(Plan plan, ChildLogs logs) {
        this.plan = plan;
        this.logs = logs;
        this.operatorLog = new OperatorLog(plan.root().name(), plan.root().intensity(), plan.oneCommand());
        this.metrics = new Metrics(plan.root().name());
    }

    /** The last lines of each process child. */
    ChildLogs logs() { return logs; }

    /** The tree's recent events, each a JSON object ({@link EventText#json}). */
    Feed events() { return events; }

    /** The counters of {@code /metrics}. */
    Metrics metrics() { return metrics; }

    /**
     * Where the output of the process child at {@code path} goes besides {@code supervise logs}, in words: one entry per
     * stream, or one for both when they go to the same places ({@code stdout and stderr: file /var/log/x.log (rotated at
     * 100 MiB, 5 kept)}).
     */
    List<String> sinks(String path) {
        var spec = plan.processes().get(path);
        if (spec == null) return List.of();
        String out = String.join(", ", spec.output().stdoutSinks().stream().map(Runner::describe).toList());
        String err = String.join(", ", spec.output().stderrSinks().stream().map(Runner::describe).toList());
        return out.equals(err) ? List.of("stdout and stderr: " + out) : List.of("stdout: " + out, "stderr: " + err);
    }

    private static String describe(dev.supervision.process.output.OutputSink sink) {
        return switch (sink) {
            case dev.supervision.process.output.OutputSink.Logger l -> "the CLI's log";
            case dev.supervision.process.output.OutputSink.RotatingFile f -> "file " + f.file() + " (rotated at "
                    + Human.bytes(f.maxBytes()) + ", " + f.keep() + " kept)";
            case dev.supervision.process.output.OutputSink.PassThrough p -> "the CLI's own stdout and stderr";
            case dev.supervision.process.output.OutputSink.Discard d -> "discarded";
        };
    }

    /** The state directory of the process child at {@code path} (its crash history's), else the CLI's. */
    Path stateDir(String path) {
        var spec = plan.processes().get(path);
        return spec != null ? spec.stateDirectory() : stateDir;
    }

    /** The root supervisor's name. */
    String rootName() { return plan.root().name(); }

    /** The supervisor now running, or null before the first start. */
    Supervisor current() { return current.get(); }

    /** True once a stop was requested (the status endpoint then reports not alive). */
    boolean stopping() { return stopRequested.getCount() == 0; }

    /** The proxies started, with their journals, by {@link #install}. */
    List<RunningProxy> proxies() { return proxies; }

    /** A replaying proxy the tree file asked for, running. */
    record RunningProxy(String child, Journal journal, ReplayingProxy proxy) {}

    /**
     * Registers the shutdown hook, then starts the proxies (their journals opened: one that cannot be is a
     * configuration error) and the status endpoint (when asked).
     *
     * @throws JournalException naming the file if a proxy's journal cannot be opened
     * @throws IllegalStateException naming the address if a proxy cannot listen
     */
    void install(CommandLine.Common common) throws IOException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "supervise-shutdown"));
        keepRunningOnHangUp();
        for (ProxyPlan p : plan.proxies()) {
            Journal journal = Journal.sqlite(p.journal());
            try {
                ReplayingProxy proxy = ReplayingProxy.start(journal, p.spec());
                proxies.add(new RunningProxy(p.child(), journal, proxy));
                LOG.info("proxy for '{}' on {} (journal {})", p.child(), proxy.uri(), p.journal().file());
            } catch (RuntimeException e) {
                journal.close();
                throw e;
            }
        }
        stateDir = common.stateDir();
        if (common.healthBind().isPresent()) {                    // a fixed address: refused before anything starts
            var at = common.healthBind().get();
            health = StatusServer.startHealth(this, new java.net.InetSocketAddress(at.getHostString(), at.getPort()));
            LOG.info("health endpoint on http://{}:{}/ (/livez, /readyz, /metrics, no token)", at.getHostString(),
                    health.port());
        }
        if (common.statusPort().isEmpty()) return;
        int port = common.statusPort().getAsInt();
        if (port != 0) {                                          // a port in use is a usage error: nothing started yet
            startStatus(common, port);
            return;
        }
        // Any free port cannot be in use: the endpoint (some 60 ms of a cold start) comes up beside the first launch.
        statusStarter = Thread.ofPlatform().name("supervise-status").start(() -> {
            try {
                startStatus(common, 0);
            } catch (IOException | RuntimeException e) {
                LOG.error("the status endpoint did not start, so 'supervise status' and the other commands cannot reach this tree: {}",
                        e.toString());
            }
        });
    }

    private void startStatus(CommandLine.Common common, int port) throws IOException {
        status = StatusServer.start(this, common.stateDir(), plan.root().name(), port);
        LOG.info("status endpoint on http://127.0.0.1:{}/ (token in {})", status.port(), status.tokenFile());
    }

    /**
     * SIGHUP would end the JVM as SIGTERM does (the JVM's default), silently stopping the tree when, say, the terminal
     * that started it closes. Reloading the tree file on SIGHUP is not built: the signal is logged and the tree goes
     * on. Through reflection: {@code sun.misc.Signal} (jdk.unsupported) draws a compiler warning when named.
     */
    private static void keepRunningOnHangUp() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hangUp = signal.getConstructor(String.class).newInstance("HUP");
            Object onHangUp = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, a) -> switch (m.getName()) {
                case "handle" -> {
                    LOG.warn("SIGHUP received: reloading the tree file is not supported; the tree goes on (SIGTERM or SIGINT stops it)");
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(p);
                case "equals" -> p == a[0];
                default -> "supervise's SIGHUP handler";
            });
            signal.getMethod("handle", signal, handler).invoke(null, hangUp, onHangUp);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("SIGHUP keeps its default (ends the tree): {}", e.toString());
        }
    }

    /** Starts the tree and waits for its end; returns the exit status. */
    int run() {
        int failures = 0;
        Supervisor sup;
        while (true) {
            SupervisorSpec.Builder builder = plan.root().toBuilder()
                    .intensity(plan.root().intensity() - failures, plan.root().period())
                    .listener(this::onEvent);
            for (RunningProxy p : proxies) builder.listener(p.proxy().listener());
            SupervisorSpec spec = builder.build();
            sup = Supervisor.start(spec);
            current.set(sup);
            if (stopping()) return ExitCodes.OK;              // the hook stops it
            Throwable failed = startChildren(sup);
            if (failed == null) {
                running = true;
                break;
            }
            sup.stop().join();
            if (stopping()) return ExitCodes.OK;
            if (plan.runOnce().isPresent()) return exitCodeOfFailedStart(failed);
            OptionalInt fatal = fatalCode(failed);
            if (fatal.isPresent()) {
                // Another try would fail the same way: not a give-up (75, "try again later") but a configuration error.
                LOG.error("tree '{}': the start cannot succeed as configured, not retried: {}; exiting {}", spec.name(),
                        failed.getMessage(), fatal.getAsInt());
                return fatal.getAsInt();
            }
            failures++;
            if (failures > plan.startRetries()) {
                LOG.error("tree '{}' gave up: {} failed start(s), max start retries {}; exiting {}",
                        spec.name(), failures, plan.startRetries(), ExitCodes.GAVE_UP);
                return ExitCodes.GAVE_UP;
            }
            Duration delay = plan.startBackoff().delay(failures - 1, ThreadLocalRandom.current().nextDouble());
            LOG.warn("tree '{}': start failed (failure {}, {} retries allowed), next try in {}", spec.name(), failures,
                    plan.startRetries(), Human.duration(delay));
            try {
                if (stopRequested.await(delay.toNanos(), TimeUnit.NANOSECONDS)) return ExitCodes.OK;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.OK;
            }
        }
        ExitReason reason = sup.awaitTermination();
        if (plan.runOnce().isPresent() && runOnceExit.get() >= 0) return runOnceExit.get();
        if (fatalExit.get() >= 0) return fatalExit.get();
        if (stopping()) return ExitCodes.OK;
        if (reason instanceof ExitReason.Shutdown s && s.detail().equals("reached_max_restart_intensity")) {
            LOG.error("tree '{}' gave up: more than {} restart(s) within {}; exiting {}", sup.name(),
                    plan.root().intensity(), Human.duration(plan.root().period()), ExitCodes.GAVE_UP);
            return ExitCodes.GAVE_UP;
        }
        LOG.info("tree '{}' ended: {}", sup.name(), reason);
        return reason.isNormalOrShutdown() ? ExitCodes.OK : ExitCodes.INTERNAL;
    }

    /** Exits the JVM with {@code code}; the shutdown hook sees the tree already stopped and halts with it. */
    void exit(int code) {
        decided = code;
        System.exit(code);
    }

    private Throwable startChildren(Supervisor sup) {
        for (ChildSpec c : plan.children()) {
            try {
                sup.startChild(c).join();
            } catch (CompletionException e) {
                return e.getCause();
            }
        }
        return null;
    }

    private void onEvent(SupervisorEvent event) {
        events.add(Json.write(EventText.json(plan.root().name(), event, Instant.now())));
        switch (event) {
            case SupervisorEvent.ChildExited e when plan.runOnce().equals(java.util.Optional.of(e.child()))
                    && e.supervisor().equals(plan.root().name()) -> runOnceExit.set(exitCode(e.reason()));
            case SupervisorEvent.ChildExited e when plan.oneCommand() && e.reason() instanceof ExitReason.Fatal f
                    && e.supervisor().equals(plan.root().name()) -> failedForGood(e.child(), f.cause(), ExitCodes.CONFIG);
            case SupervisorEvent.StartFailed f when plan.oneCommand() && running && f.supervisor().equals(plan.root().name())
                    && fatalCode(f.cause()).isPresent() ->
                    failedForGood(f.child(), f.cause(), fatalCode(f.cause()).getAsInt());
            default -> { }
        }
        operatorLog.on(event);
        metrics.on(event);
    }

    /**
     * The one wrapped command failed for good (a fatal exit, or a restart that no retry can fix): nothing is left
     * to supervise, so the tree is stopped and the CLI exits with {@code code}. On the supervisor's loop: only
     * asks for the stop.
     */
    private void failedForGood(String child, Throwable cause, int code) {
        if (runOnceExit.get() >= 0 || !fatalExit.compareAndSet(-1, code)) return;
        LOG.error("{}: failed for good, not restarted: {}; exiting {}", child, cause.getMessage(), code);
        Supervisor sup = current.get();
        if (sup != null) sup.stop();
    }

    /** For a start failure no retry can fix: 127 or 126 for a command that cannot be executed, else 78; empty otherwise. */
    private static OptionalInt fatalCode(Throwable failed) {
        for (Throwable c = failed; c != null; c = c.getCause()) {
            if (c instanceof CannotExecute x) return OptionalInt.of(x.shellStatus());
        }
        for (Throwable c = failed; c != null; c = c.getCause()) {
            if (c instanceof FatalStartException) return OptionalInt.of(ExitCodes.CONFIG);
        }
        return OptionalInt.empty();
    }

    /** The wrapped command's own exit status, from how its run ended. */
    private static int exitCode(ExitReason reason) {
        return switch (reason) {
            case ExitReason.Normal n -> 0;
            case ExitReason.Failure f -> crashCode(f.cause(), ExitCodes.INTERNAL);
            case ExitReason.Fatal f -> crashCode(f.cause(), ExitCodes.INTERNAL);
            case ExitReason.RestartNow r -> ExitCodes.INTERNAL;
            case ExitReason.Shutdown s -> ExitCodes.OK;
        };
    }

    private static int exitCodeOfFailedStart(Throwable failed) {
        for (Throwable c = failed; c != null; c = c.getCause()) {
            if (c instanceof CannotExecute x) {
                LOG.error("the command could not be executed: {}", x.getMessage());
                return x.shellStatus();
            }
        }
        int code = crashCode(failed, ExitCodes.NOT_LAUNCHED);
        if (code == ExitCodes.NOT_LAUNCHED) LOG.error("the command could not be launched: {}", failed.toString());
        return code;
    }

    /** The exit value inside a {@link ProcessCrash} anywhere in the cause chain, else {@code otherwise}. */
    private static int crashCode(Throwable t, int otherwise) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProcessCrash crash && crash.exit().isPresent()) return crash.exit().get().exitValue();
        }
        return otherwise;
    }

    /**
     * Stops what outlived the tree's stop among this JVM's descendants: SIGTERM, then SIGKILL after the
     * longest shutdown timeout of the root's children. A process child whose start was still in progress
     * when the supervisor stopped can be launched and not yet known to it; this makes sure that
     * nothing the CLI started survives the CLI.
     */
    private void sweep() {
        List<ProcessHandle> left = ProcessHandle.current().descendants().filter(Runner::running).toList();
        if (left.isEmpty()) return;
        LOG.warn("{} process(es) outlived the tree's stop; stopping them: {}", left.size(),
                left.stream().map(p -> p.pid() + " " + p.info().command().orElse("?")).toList());
        left.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + stopTimeout().toNanos();
        for (ProcessHandle p : left) {
            while (running(p) && System.nanoTime() < deadline) {
                try {
                    p.onExit().get(SWEEP_POLL_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // a zombie waiting for init to reap it has ended: checked again by running()
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        left.stream().filter(Runner::running).forEach(ProcessHandle::destroyForcibly);
    }

    private Duration stopTimeout() {
        Duration longest = Duration.ofSeconds(10);
        for (ChildSpec c : plan.children()) {
            if (c.shutdown() instanceof Shutdown.Timeout t && t.timeout().compareTo(longest) > 0) longest = t.timeout();
        }
        return longest;
    }

    /** Alive and not a zombie (a zombie has ended; its parent, maybe init, has not reaped it yet). */
    private static boolean running(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return p.isAlive();   // no /proc (not Linux) or the process is gone
        }
    }

    private void onShutdown() {
        stopRequested.countDown();
        Supervisor sup = current.get();
        if (sup != null) {
            try {
                sup.stop().join();
            } catch (RuntimeException alreadyGone) {
                // terminated before the signal: nothing left to stop
            }
        }
        sweep();
        for (RunningProxy p : proxies) {                          // after the tree: what is unfinished stays journaled
            p.proxy().close();
            p.journal().close();
        }
        Thread starter = statusStarter;
        if (starter != null) {
            try {
                starter.join(STATUS_START_WAIT_MS);               // so that it does not leave its files behind
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        StatusServer s = status;
        if (s != null) s.close();
        StatusServer h = health;
        if (h != null) h.close();
        int code = decided;
        Runtime.getRuntime().halt(code >= 0 ? code : ExitCodes.OK);
    }
}

package dev.supervision.process.internal.run;

import dev.supervision.ChildDetails;
import dev.supervision.ExitReason;
import dev.supervision.FatalStartException;
import dev.supervision.Human;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessDetails;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.process.internal.output.OutputPump;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessTree;
import dev.supervision.process.internal.tree.StopResult;
import dev.supervision.process.internal.tree.TreeStopper;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputLine;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.RunningChild;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of an OS-process child, from launch to the report of its end: it begins ({@link #begin}:
 * output drained, memory watched, readiness awaited), becomes ready ({@link #becomeReady}: hang checks,
 * the host's brake), ends for the first reason that comes (its own exit, the supervisor's stop, a failed
 * check, a guard, its maximum age: {@link #ending}), has what is left of its tree swept ({@link #onMainExit})
 * and reports how it ended ({@link #finish}), a crash judged by {@link CrashJudge}. Readiness, the hang
 * checks and the memory watch are parts of their own ({@link Readiness}, {@link HangChecks},
 * {@link MemoryWatch}). Thread-safe: events arrive from the process reaper, the timer thread, probe threads,
 * output readers and the supervisor's loop; the first reason to end wins.
 */
final class ProcessRun implements RunningChild {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);
    /** How long the end waits for the output readers to reach EOF, so that the tail is complete. */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
    /** After abandoning the output, how long its readers get to hand on what they hold. */
    private static final Duration ABANDON_WAIT = Duration.ofMillis(200);
    /** How long an exit by SIGINT, SIGTERM or SIGHUP waits to see whether the JVM is going down by the same signal. */
    private static final Duration SAME_SIGNAL_WAIT = Duration.ofMillis(500);
    /** Once the JVM is going down, how long such an exit waits for the supervisor's stop to reach this run. */
    private static final Duration STOP_ARRIVAL_WAIT = Duration.ofSeconds(5);
    /**
     * Runs {@link #finish} (which writes the crash history): on the virtual thread that completed what it
     * waited for (an output reader of the native launcher, at end of file), else on a new one, so never
     * on the poller, the JDK's reaper or its shared delay thread.
     */
    private static final Executor FINISHER = r -> {
        if (Thread.currentThread().isVirtual()) r.run();
        else Thread.ofVirtual().name("supervision-exit").start(r);
    };

    /** Why this incarnation is ending, when it did not simply exit by itself. */
    private sealed interface Ending {
        record Requested() implements Ending {}
        record Cancelled() implements Ending {}
        record CheckFailed(ProcessCrash.Kind kind, String detail) implements Ending {}
        record MaxAge(Duration age) implements Ending {}
        record Braked(GuardTrip trip) implements Ending {}
        /** The process exited by itself: set when the exit is seen, so that no late check or trip claims it. */
        record Exited() implements Ending {}
    }

    private final ProcessSpec spec;
    private final ChildContext ctx;
    private final Process process;
    private final ProcessTree tree;
    private final Instant launched = Instant.now();
    private final long launchedNanos = System.nanoTime();
    private final CompletableFuture<RunningChild> startResult;
    private final ProcessStarter owner;
    private final CompletableFuture<ExitReason> exit = new CompletableFuture<>();
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private final RunTimers timers = new RunTimers(() -> ending.get() != null);
    private final AtomicBoolean readyOnce = new AtomicBoolean();
    /** The stop this run started ({@link #endTree}), done once its result has been reported. */
    private final AtomicReference<CompletableFuture<?>> stopping = new AtomicReference<>();
    private final Readiness readiness;
    private final HangChecks checks;
    private final MemoryWatch memory;
    private volatile OutputPump output;
    private volatile boolean ready;
    /** Matches the output against the spec's crash signatures; null when classification is off. */
    private volatile CrashClassifier classifier;
    private volatile CrashJudge judge;
    /** Set when the supervisor asked this run to stop ({@link #requestStop}, {@link #kill}): it then waits for the exit. */
    private volatile boolean stopAsked;
    /** Completed with {@link #stopAsked}. */
    private final CompletableFuture<Void> stopArrived = new CompletableFuture<>();
    /** Set when the exit was reported without the process having exited (see {@link #abandon}). */
    private volatile boolean abandoned;

    ProcessRun(ProcessSpec spec, ChildContext ctx, Process process, ProcessTree tree, CompletableFuture<RunningChild> startResult,
               ProcessStarter owner) {
        this.spec = spec;
        this.ctx = ctx;
        this.process = process;
        this.tree = tree;
        this.startResult = startResult;
        this.owner = owner;
        AtomicBoolean probeInFlight = new AtomicBoolean();          // readiness and liveness take turns
        this.readiness = new Readiness(spec, ctx, process.pid(), launchedNanos, timers, probeInFlight,
                () -> ready || ending.get() != null, this::becomeReady);
        this.checks = new HangChecks(spec, ctx, launchedNanos, timers, probeInFlight, () -> ending.get() != null,
                this::checkFailed, this::maxAgeReached);
        this.memory = new MemoryWatch(spec, ctx, tree, process, () -> ending.get() != null, this::limitExceeded, this::braked);
    }

    long pid() { return process.pid(); }

    /** Starts output draining, the memory watch, the watch on the main process, and readiness. */
    void begin() {
        JvmShutdown.watch();
        LineListener onLine = (stream, line) -> {
            checks.onOutput();
            readiness.onLine(line);
        };
        List<LineListener> listeners = List.of(onLine);
        if (!spec.signatures().signatures().isEmpty()) {
            CrashClassifier c = new CrashClassifier(spec.signatures(), Clock.systemUTC(), m -> LOG.info(
                    "process '{}' (pid {}): output matched crash signature {} ({}): {}", ctx.id(), pid(), m.signature().id(), m.kind(), m.evidence()));
            classifier = c;
            listeners = List.of(onLine, c);
        }
        judge = new CrashJudge(spec, ctx, pid(), owner, memory, classifier);
        memory.readOomKills();
        output = OutputPump.start(ctx.id(), process, spec.output(), listeners);
        memory.start();
        process.onExit().whenComplete((p, e) -> onMainExit());
        startResult.whenComplete((v, e) -> {
            if (startResult.isCancelled() && ending.compareAndSet(null, new Ending.Cancelled())) {
                // The supervisor gave up on this start (start timeout, stop, the JVM going down): the starter
                // killed the tree on the cancelling thread already; this sweep makes sure.
                endTree(Duration.ZERO);
            }
        });
        readiness.start();
    }

    /** What the start waits for now ({@link dev.supervision.spi.StartProgress}). */
    String waitingFor() {
        return readiness.waitingFor();
    }

    /**
     * {@code alive}: only while the process runs and is not ending (a probe or an uptime says it started); false
     * for a start complete at launch whose process exited before its ready timer ran ({@link #finish}).
     */
    private void becomeReady(String how, boolean alive) {
        if (alive && (ending.get() != null || !process.isAlive()) || !readyOnce.compareAndSet(false, true)) return;
        ready = true;
        memory.readOomKills();                   // the process may have moved to a cgroup of its own meanwhile
        long readyNanos = System.nanoTime();
        timers.cancelAll();
        Duration after = Duration.ofNanos(readyNanos - launchedNanos);
        ctx.notify(new ProcessEvent.Ready(pid(), after, how));
        checks.start(readyNanos);
        memory.joinBrake();
        if (!startResult.complete(this)) return;
        if (LOG.isInfoEnabled()) LOG.info("process '{}' (pid {}) ready after {} ({})", ctx.id(), pid(), Human.duration(after), how);
    }

    private void limitExceeded(GuardTrip trip) {
        ProcessCrash.Kind kind = trip.kind() == GuardTrip.Kind.GPU_LIMIT ? ProcessCrash.Kind.GPU_MEMORY_LIMIT : ProcessCrash.Kind.MEMORY_LIMIT;
        if (!ending.compareAndSet(null, new Ending.CheckFailed(kind, trip.toString()))) return;
        tripped(trip);
    }

    /** The host memory floor's brake chose this tree: restart it (not counted as a crash). */
    private void braked(GuardTrip trip) {
        if (!ending.compareAndSet(null, new Ending.Braked(trip))) return;
        tripped(trip);
    }

    private void tripped(GuardTrip trip) {
        CrashClassifier c = classifier;
        if (c != null) c.guardTripped(trip.reason(), trip.toString());   // before the stop: the verdict needs it
        try {
            ctx.notify(new ProcessEvent.GuardTripped(trip));
            LOG.warn("process '{}' (pid {}): memory guard tripped, {}; stopping its tree", ctx.id(), pid(), trip);
        } finally {
            endTree(spec.stopTimeout());
        }
    }

    private void checkFailed(ProcessCrash.Kind kind, String detail) {
        if (!ending.compareAndSet(null, new Ending.CheckFailed(kind, detail))) return;
        LOG.warn("process '{}' (pid {}): {}; stopping its tree", ctx.id(), pid(), detail);
        endTree(spec.stopTimeout());
    }

    private void maxAgeReached(Duration age) {
        if (!ending.compareAndSet(null, new Ending.MaxAge(age))) return;
        LOG.info("process '{}' (pid {}) reached its maximum age {}; restarting it", ctx.id(), pid(), age);
        endTree(spec.stopTimeout());
    }

    /** Stops every process of the tree: the stop signal, then SIGKILL after {@code grace}. */
    private void endTree(Duration grace) {
        timers.cancelAll();
        CompletableFuture<?> reported = new CompletableFuture<>();
        stopping.accumulateAndGet(reported, (earlier, now) -> earlier == null ? now : CompletableFuture.allOf(earlier, now));
        tree.stop(spec.stopSignal(), grace).whenComplete((result, e) -> {
            if (e != null) LOG.error("process '{}': stopping the tree of pid {} failed", ctx.id(), pid(), e);
            else if (!result.clean()) LOG.error("process '{}': the tree of pid {} is not fully stopped: {}", ctx.id(), pid(), result);
            if (result != null && !result.killed().isEmpty()) {
                ctx.notify(new ProcessEvent.StopEscalated(result.killed().stream().map(ProcessRef::pid).toList(), grace));
            }
            reported.complete(null);
            if (result != null && stopAsked && tree.root().filter(result.survivors()::contains).isPresent()) abandon(result);
        });
    }

    /**
     * The launched process survived every SIGKILL round of a stop the supervisor asked for: it sleeps
     * uninterruptibly (a hung GPU driver or file system), its exit may never come, and the supervisor's stop
     * (a JVM shutdown too) would wait for it for ever. Reported as ended now, as abandoned, with an error in
     * the log; its ledger entry stays, so that a later start stops it should it ever wake up (its own exit,
     * if it comes, is then reported to nobody).
     */
    private void abandon(StopResult result) {
        String detail = "pid " + pid() + " is still alive after " + TreeStopper.KILL_ROUNDS
                + " SIGKILL rounds (uninterruptible sleep?): abandoned, no longer supervised; " + result.problems();
        LOG.error("process '{}': {}", ctx.id(), detail);
        abandoned = true;
        memory.stop();
        owner.ended(Optional.empty(), CrashAction.restart(), memory.lastPids());
        startResult.completeExceptionally(new IllegalStateException(detail));
        exit.complete(new ExitReason.Shutdown("abandoned: " + detail));
    }

    private void onMainExit() {
        // Ending first: a timer added from now on cancels itself (see RunTimers). A start given up on whose
        // process the starter killed before this run could see the cancel is that, not a crash.
        Ending witness = ending.compareAndExchange(null, new Ending.Exited());
        Ending why = witness == null && startResult.isCancelled() ? new Ending.Cancelled() : witness;     // null: it exited by itself
        timers.cancelAll();
        memory.stop();
        int code = process.exitValue();
        Duration uptime = Duration.ofNanos(System.nanoTime() - launchedNanos);
        // Whatever the main process left behind (workers, grandchildren, detached ones) goes too.
        Duration grace = why instanceof Ending.Cancelled ? Duration.ZERO : spec.stopTimeout();
        tree.sweep(spec.stopSignal(), grace, memory.lastMembers())
                .handle((result, e) -> {
                    if (e != null) LOG.error("process '{}': sweeping the tree of pid {} failed", ctx.id(), pid(), e);
                    else if (!result.clean()) LOG.error("process '{}': what pid {} left is not fully stopped: {}", ctx.id(), pid(), result);
                    return null;
                })
                // A stop of ours reports its escalation before the exit does.
                .thenCompose(v -> stopping.get() == null ? CompletableFuture.completedFuture(null) : stopping.get())
                .thenCompose(v -> output.completion().exceptionally(e -> null)
                        .completeOnTimeout(null, DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .thenCompose(v -> {
                    if (output.completion().isDone()) return CompletableFuture.completedFuture(null);
                    // Held open past the drain wait by a stranger: given up on, and a moment for the readers
                    // to hand on what they hold (an unfinished last line) before the tail is read.
                    output.abandon();
                    return output.completion().exceptionally(e -> null)
                            .completeOnTimeout(null, ABANDON_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                })
                .whenCompleteAsync((v, e) -> {
                    try {
                        finish(code, uptime, why);
                    } catch (RuntimeException | Error t) {
                        // Never lose an exit: unreported, the supervisor would neither restart the child nor
                        // finish a shutdown that waits for it.
                        LOG.error("process '{}' (pid {}): reporting its exit failed; reported as a failure", ctx.id(), pid(), t);
                        startResult.completeExceptionally(t);
                        exit.complete(new ExitReason.Failure(t));
                    }
                }, FINISHER);
    }

    /** Reports how the incarnation ended, once its tree is gone and its output drained. */
    private void finish(int code, Duration uptime, Ending why) {
        tree.forget();
        if (abandoned) return;                // reported already (see abandon); the supervisor has moved on
        List<String> tail = output.tail().stream().map(OutputLine::toString).toList();
        ExitStatus status = new ExitStatus(code);
        if (why == null && sameSignalAsTheJvm(status)) why = new Ending.Requested();
        // Exited before its ready timer ran. readyOnce, not ready: the timer may be in becomeReady on another thread.
        if (!readyOnce.get() && why == null && readiness.startsAtLaunch()) becomeReady(Readiness.AT_LAUNCH, false);
        if (!readyOnce.get() && why == null) {
            CrashJudge.Judged j = judge.judge(new ProcessCrash(ProcessCrash.Kind.DIED_STARTING, "'" + ctx.id() + "' " + status
                    + " before it was ready, after " + Human.duration(uptime), Optional.of(status), pid(), uptime, tail), status, false);
            startResult.completeExceptionally(j.restarts() ? j.crash() : new FatalStartException(j.crash().getMessage(), j.crash()));
            exit.complete(new ExitReason.Failure(j.crash()));
            return;
        }
        boolean stoppedByUs = why instanceof Ending.CheckFailed || why instanceof Ending.Braked;
        ExitReason reason = switch (why) {
            case null -> ExitClassifier.classify(spec, ctx.id(), code, pid(), uptime, tail);
            case Ending.Exited x -> ExitClassifier.classify(spec, ctx.id(), code, pid(), uptime, tail);    // not reached: never a witness
            case Ending.Requested r -> new ExitReason.Shutdown(status.toString());
            case Ending.Cancelled c -> new ExitReason.Shutdown("start abandoned, " + status);
            case Ending.MaxAge m -> new ExitReason.RestartNow("maximum age " + m.age() + " reached");
            case Ending.Braked b -> {
                judge.judge(new ProcessCrash(ProcessCrash.Kind.HOST_MEMORY_FLOOR, "'" + ctx.id() + "' restarted by the host memory floor: "
                        + b.trip(), Optional.of(status), pid(), uptime, tail), status, true);
                yield new ExitReason.RestartNow("host memory below the floor: " + b.trip());
            }
            case Ending.CheckFailed f -> new ExitReason.Failure(new ProcessCrash(f.kind(), "'" + ctx.id() + "' " + f.detail(),
                    Optional.of(status), pid(), uptime, tail));
        };
        reason = switch (reason) {
            case ExitReason.Failure f when f.cause() instanceof ProcessCrash c -> {
                CrashJudge.Judged j = judge.judge(c, status, stoppedByUs);
                yield j.restarts() ? new ExitReason.Failure(j.crash()) : new ExitReason.Fatal(j.crash());
            }
            case ExitReason.Fatal f when f.cause() instanceof ProcessCrash c -> new ExitReason.Fatal(judge.judge(c, status, stoppedByUs).crash());
            default -> {
                if (!(why instanceof Ending.Braked)) owner.ended(Optional.empty(), CrashAction.restart(), memory.lastPids());   // braked: judged above
                yield reason;
            }
        };
        if (readyOnce.get()) {
            // Found ready while becomeReady has not completed the start yet: the start succeeds, the exit follows.
            startResult.complete(this);
        } else if (!startResult.isDone()) {
            // Stopped while starting (a guard, a check): a crash that must not be retried fails the start for good.
            startResult.completeExceptionally(switch (reason) {
                case ExitReason.Fatal f -> new FatalStartException(f.cause().getMessage(), f.cause());
                case ExitReason.Failure f -> f.cause();
                default -> new IllegalStateException("'" + ctx.id() + "' ended while starting: " + reason);
            });
        }
        exit.complete(reason);
    }

    /**
     * Whether an exit by SIGINT, SIGTERM or SIGHUP is the stop of this JVM reaching the child directly: the
     * terminal's Ctrl-C goes to the whole foreground process group, {@code systemctl stop} to the whole cgroup,
     * a closed terminal's SIGHUP to the session. Waits (on this virtual thread) up to {@link #SAME_SIGNAL_WAIT}
     * for the JVM to start shutting down, then up to {@link #STOP_ARRIVAL_WAIT} for the supervisor's stop to
     * reach this run; such an exit is a stop, not a crash. Another signal, or a JVM that goes on, is a crash.
     */
    private boolean sameSignalAsTheJvm(ExitStatus status) {
        int signal = status.signal().orElse(0);
        if (signal != 1 && signal != 2 && signal != 15) return false;
        try {
            CompletableFuture.anyOf(stopArrived, JvmShutdown.STARTED).get(SAME_SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException notUs) {
            return false;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return stopAsked;
        }
        if (!stopAsked) stopArrived.completeOnTimeout(null, STOP_ARRIVAL_WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        return true;
    }

    @Override public CompletionStage<ExitReason> exit() { return exit; }

    @Override
    public void requestStop() {
        stopAsked = true;
        stopArrived.complete(null);
        if (ending.compareAndSet(null, new Ending.Requested())) endTree(spec.stopTimeout());
    }

    /** True: the exit is reported once the tree is dead, or abandoned when its main process cannot die (see {@link #abandon}). */
    @Override
    public boolean kill() {
        stopAsked = true;
        stopArrived.complete(null);
        ending.compareAndSet(null, new Ending.Requested());
        endTree(Duration.ZERO);
        return true;
    }

    @Override
    public Optional<ChildDetails> details() {
        return Optional.of(new ProcessDetails(pid(), launched, Duration.ofNanos(System.nanoTime() - launchedNanos),
                ctx.incarnation(), ready));
    }
}

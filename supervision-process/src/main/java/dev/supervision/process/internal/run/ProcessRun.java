package dev.supervision.process.internal.run;

import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.process.internal.memory.BatchedSampling;
import dev.supervision.process.internal.memory.CgroupOomKills;
import dev.supervision.process.internal.memory.EmergencyBrake;
import dev.supervision.process.internal.memory.HostGuards;
import dev.supervision.process.internal.memory.MemorySampler;
import dev.supervision.process.internal.memory.TreeGuard;
import dev.supervision.process.internal.output.OutputPump;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTree;
import dev.supervision.process.internal.tree.StopResult;
import dev.supervision.process.internal.tree.TreeStopper;
import dev.supervision.ChildDetails;
import dev.supervision.ExitReason;
import dev.supervision.FatalStartException;
import dev.supervision.Human;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashMatch;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.crash.Severity;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.output.OutputLine;
import dev.supervision.process.probe.Probe;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessDetails;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.output.StdStream;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.RunningChild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of an OS-process child: from launch through readiness, liveness and hang checks to
 * its end, after which nothing of its process tree is left. Thread-safe: events arrive from the
 * process reaper, the timer thread, probe threads, output readers and the supervisor's loop; the
 * first reason to end wins ({@link #ending}).
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
    /** When a start that is not ready yet is first logged as waiting; each later line comes twice as late, at most a minute. */
    private static final Duration FIRST_WAITING_LOG = Duration.ofSeconds(5);
    private static final Duration LONGEST_WAITING_LOG = Duration.ofMinutes(1);

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
    /**
     * Runs {@link #finish} (which writes the crash history): on the virtual thread that completed what it
     * waited for (an output reader of the native launcher, at end of file), else on a new one, so never
     * on the poller, the JDK's reaper or its shared delay thread.
     */
    private static final Executor FINISHER = r -> {
        if (Thread.currentThread().isVirtual()) r.run();
        else Thread.ofVirtual().name("supervision-exit").start(r);
    };
    private final CompletableFuture<RunningChild> startResult;
    private final ProcessStarter owner;
    private final CompletableFuture<ExitReason> exit = new CompletableFuture<>();
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean probeInFlight = new AtomicBoolean();
    private final AtomicBoolean readyOnce = new AtomicBoolean();
    private final AtomicInteger livenessFailures = new AtomicInteger();
    /** The stop this run started ({@link #endTree}), done once its result has been reported. */
    private final AtomicReference<CompletableFuture<?>> stopping = new AtomicReference<>();
    private volatile OutputPump output;
    private volatile boolean ready;
    private volatile long readyNanos;
    private volatile long lastOutputNanos = System.nanoTime();
    private volatile Pattern readyLine;
    /** Matches the output against the spec's crash signatures; null when classification is off. */
    private volatile CrashClassifier classifier;
    /** The cgroup file with the OOM-kill count, and the count when last resolved; null / -1 when unknown. */
    private volatile Path oomFile;
    private volatile long oomKillsBefore = -1;
    /** Samples the tree's memory and checks the spec's limits; set in {@link #begin}. */
    private volatile TreeGuard guard;
    /** Stops the memory samples; a no-op until {@link #watchMemory} started them. */
    private volatile Runnable stopSampling = () -> {};
    private final AtomicBoolean guardInFlight = new AtomicBoolean();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    /** Failed readiness attempts so far, and the last one's error (null before the first). */
    private final AtomicInteger readinessAttempts = new AtomicInteger();
    private volatile String lastReadinessError;
    /** When the probe attempt in flight ({@link #probeInFlight}) started. */
    private volatile long probeStartedNanos;
    /** Set when the supervisor asked this run to stop ({@link #requestStop}, {@link #kill}): it then waits for the exit. */
    private volatile boolean stopAsked;
    /** Completed with {@link #stopAsked}. */
    private final CompletableFuture<Void> stopArrived = new CompletableFuture<>();
    /** Set when the exit was reported without the process having exited (see {@link #abandon}). */
    private volatile boolean abandoned;
    /** Leaves the host memory floor's brake; a no-op without one. */
    private volatile Runnable leaveBrake = () -> {};

    ProcessRun(ProcessSpec spec, ChildContext ctx, Process process, ProcessTree tree, CompletableFuture<RunningChild> startResult,
               ProcessStarter owner) {
        this.spec = spec;
        this.ctx = ctx;
        this.process = process;
        this.tree = tree;
        this.startResult = startResult;
        this.owner = owner;
    }

    long pid() { return process.pid(); }

    /** Starts output draining, readiness, and the watch on the main process. */
    void begin() {
        JvmShutdown.watch();
        if (spec.readiness().orElse(null) instanceof Probe.LogLine l) readyLine = l.pattern();
        List<LineListener> listeners = List.of(this::onLine);
        if (!spec.signatures().signatures().isEmpty()) {
            CrashClassifier c = new CrashClassifier(spec.signatures(), Clock.systemUTC(), m -> LOG.info(
                    "process '{}' (pid {}): output matched crash signature {} ({}): {}", ctx.id(), pid(), m.signature().id(), m.kind(), m.evidence()));
            classifier = c;
            listeners = List.of(this::onLine, c);
        }
        watchOomKills();
        output = OutputPump.start(ctx.id(), process, spec.output(), listeners);
        watchMemory();
        process.onExit().whenComplete((p, e) -> onMainExit());
        startResult.whenComplete((v, e) -> {
            if (startResult.isCancelled() && ending.compareAndSet(null, new Ending.Cancelled())) {
                // The supervisor gave up on this start (start timeout, stop, the JVM going down): the starter
                // killed the tree on the cancelling thread already; this sweep makes sure.
                endTree(Duration.ZERO);
            }
        });
        switch (spec.readiness().orElse(null)) {
            case null -> addTimer(ProcessTimers.after(spec.startSeconds(), () -> becomeReady(
                    startsAtLaunch() ? AT_LAUNCH : "up for " + Human.duration(spec.startSeconds()), true)));
            case Probe.LogLine l -> { /* matched in onLine */ }
            case Probe polled -> addTimer(ProcessTimers.every(Duration.ZERO, spec.readinessInterval(), () -> {
                if (ready || ending.get() != null || !probeInFlight.compareAndSet(false, true)) return;
                Probes.attempt(polled, spec.probeTimeout(), () -> probeInFlight.set(false)).whenComplete((failure, e) -> {
                    if (failure == null) becomeReady(polled.describe(), true);
                    else notReady(polled, failure);
                });
            }));
        }
        if (spec.readiness().isPresent()) logWaiting(FIRST_WAITING_LOG);
    }

    /** A readiness attempt failed: an event and a debug line for each (the info line comes at {@link #logWaiting}'s cadence). */
    private void notReady(Probe probe, String error) {
        if (ready || ending.get() != null) return;
        int attempt = readinessAttempts.incrementAndGet();
        lastReadinessError = error;
        Duration waited = Duration.ofNanos(System.nanoTime() - launchedNanos);
        ctx.notify(new ProcessEvent.ReadinessFailed(pid(), probe.describe(), error, attempt, waited));
        LOG.debug("process '{}' (pid {}) not ready after {} (attempt {}): {}: {}", ctx.id(), pid(), Human.duration(waited),
                attempt, probe.describe(), error);
    }

    /** While not ready: one info line after {@code delay}, then after twice that, and so on, at most a minute apart. */
    private void logWaiting(Duration delay) {
        addTimer(ProcessTimers.after(delay, () -> {
            if (ready || ending.get() != null) return;
            LOG.info("process '{}' (pid {}) is not ready after {}; still waiting for {}", ctx.id(), pid(),
                    Human.duration(Duration.ofNanos(System.nanoTime() - launchedNanos)), waitingFor());
            Duration next = delay.multipliedBy(2);
            logWaiting(next.compareTo(LONGEST_WAITING_LOG) > 0 ? LONGEST_WAITING_LOG : next);
        }));
    }

    /** What the start waits for now, for logs and the start timeout's message ({@link dev.supervision.spi.StartProgress}). */
    String waitingFor() {
        return switch (spec.readiness().orElse(null)) {
            case null -> Human.duration(spec.startSeconds()) + " of uptime";
            case Probe.LogLine l -> "a line matching /" + l.pattern() + "/ on stdout or stderr (none yet)";
            case Probe p -> {
                String last = lastReadinessError;
                yield "readiness " + p.describe() + (last == null ? " (no attempt finished yet)"
                        : " (" + readinessAttempts.get() + " attempts, last: " + last + ")");
            }
        };
    }

    private void onLine(StdStream stream, CharSequence line) {
        lastOutputNanos = System.nanoTime();
        Pattern p = readyLine;
        if (p != null && !ready && p.matcher(line).find()) {
            readyLine = null;
            becomeReady("log line ~/" + p + "/", true);
        }
    }

    /** No probe and no uptime to wait for: the start is complete at launch, even for a job that has already exited. */
    private boolean startsAtLaunch() {
        return spec.readiness().isEmpty() && spec.startSeconds().isZero();
    }

    private static final String AT_LAUNCH = "at launch (no readiness check)";

    /**
     * {@code alive}: only while the process runs and is not ending (a probe or an uptime says it started); false
     * for a start complete at launch whose process exited before its ready timer ran ({@link #finish}).
     */
    private void becomeReady(String how, boolean alive) {
        if (alive && (ending.get() != null || !process.isAlive()) || !readyOnce.compareAndSet(false, true)) return;
        ready = true;
        watchOomKills();                         // the process may have moved to a cgroup of its own meanwhile
        readyNanos = System.nanoTime();
        lastOutputNanos = readyNanos;
        cancelTimers();
        Duration after = Duration.ofNanos(readyNanos - launchedNanos);
        ctx.notify(new ProcessEvent.Ready(pid(), after, how));
        startChecks();
        joinBrake();
        if (!startResult.complete(this)) return;
        if (LOG.isInfoEnabled()) LOG.info("process '{}' (pid {}) ready after {} ({})", ctx.id(), pid(), Human.duration(after), how);
    }

    /**
     * Samples the tree from launch on (memory blows up while a model loads, too): every guard interval when
     * a limit is set, else (for the crash report's memory at death only) once at launch and then with every
     * other unguarded tree, in one timer task every {@link BatchedSampling#INTERVAL}. A sample that runs a
     * program ({@code nvidia-smi}, or {@code ps} without {@code /proc}) runs on a virtual thread; one that
     * only reads {@code /proc} (tens of microseconds) runs on the timer thread.
     */
    private void watchMemory() {
        Optional<ProcessRef> root = tree.root();
        if (root.isEmpty()) return;                  // already gone
        TreeGuard g = new TreeGuard(spec.guards(), HostGuards.gpu(spec.guards().nvidiaSmi()));
        guard = g;
        boolean blocking = spec.guards().gpuMemoryLimitBytes() > 0 || !ProcessScan.procAvailable();   // nvidia-smi, or ps
        Runnable sample = () -> {
            try {
                g.check(root.get()).ifPresent(this::limitExceeded);
            } catch (RuntimeException e) {             // a periodic task that throws is never run again
                LOG.warn("process '{}': memory sample failed", ctx.id(), e);
            }
        };
        if (!spec.guards().hasLimits() && !blocking) {
            ScheduledFuture<?> first = ProcessTimers.after(Duration.ZERO, sample);
            Runnable remove = BatchedSampling.add(() -> {
                if (ending.get() == null) sample.run();
            });
            stopSampling = () -> {
                first.cancel(false);
                remove.run();
            };
            return;
        }
        ScheduledFuture<?> timer = ProcessTimers.every(Duration.ZERO, spec.guards().hasLimits() ? spec.guards().interval()
                : BatchedSampling.INTERVAL, () -> {
            if (ending.get() != null) return;
            if (!blocking) {
                sample.run();
                return;
            }
            if (!guardInFlight.compareAndSet(false, true)) return;
            Thread.ofVirtual().name("supervision-guard-" + ctx.id()).start(() -> {
                try {
                    sample.run();
                } finally {
                    guardInFlight.set(false);
                }
            });
        });
        stopSampling = () -> timer.cancel(false);
    }

    /**
     * Once ready, the tree is a candidate of the host memory floor's brake (a starting tree is not: restarting
     * a model while it loads only thrashes, and its start would fail).
     */
    private void joinBrake() {
        Optional<ProcessRef> root = tree.root();
        if (spec.hostMemoryFloor().isEmpty() || root.isEmpty()) return;
        leaveBrake = HostGuards.brake(spec.hostMemoryFloor().get()).join(new EmergencyBrake.Candidate() {
            @Override public String name() { return ctx.id(); }
            @Override public Optional<MemorySampler.TreeMemory> memory() {
                return ending.get() == null ? MemorySampler.sample(root.get()) : Optional.empty();
            }
            @Override public void restart(GuardTrip trip) { braked(trip); }
        }, ctx);
        if (ending.get() != null || !process.isAlive()) leaveBrake.run();     // ended meanwhile
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

    private void startChecks() {
        spec.maxAge().ifPresent(age -> addTimer(ProcessTimers.after(age.minus(Duration.ofNanos(readyNanos - launchedNanos)), () -> {
            if (!ending.compareAndSet(null, new Ending.MaxAge(age))) return;
            LOG.info("process '{}' (pid {}) reached its maximum age {}; restarting it", ctx.id(), pid(), age);
            endTree(spec.stopTimeout());
        })));
        spec.liveness().ifPresent(l -> addTimer(ProcessTimers.every(l.initialDelay(), l.interval(), () -> {
            if (ending.get() != null) return;
            if (!probeInFlight.compareAndSet(false, true)) {
                // An earlier attempt's thread still blocked past its timeout (a hung mount, a DNS lookup): as
                // Kubernetes counts each period without a passing probe, this tick fails too.
                if (System.nanoTime() - probeStartedNanos > l.timeout().toNanos()) {
                    livenessFailed(l, "an earlier attempt is still running after its timeout of " + l.timeout());
                }
                return;
            }
            probeStartedNanos = System.nanoTime();
            Probes.attempt(l.probe(), l.timeout(), () -> probeInFlight.set(false)).whenComplete((failure, e) -> {
                if (failure == null) {
                    livenessFailures.set(0);
                    return;
                }
                livenessFailed(l, failure);
            });
        })));
        spec.silenceTimeout().ifPresent(silence -> addTimer(ProcessTimers.every(checkPeriod(silence), checkPeriod(silence), () -> {
            long quiet = System.nanoTime() - lastOutputNanos;
            if (quiet > silence.toNanos()) {
                checkFailed(ProcessCrash.Kind.SILENCE, "no output for " + Duration.ofMillis(quiet / 1_000_000)
                        + " (silenceTimeout " + silence + ")");
            }
        })));
        // The file is read off the timer thread (which runs every probe, hang check and stop of this JVM): on
        // a hung network file system the read blocks.
        spec.heartbeat().ifPresent(hb -> addTimer(ProcessTimers.every(checkPeriod(hb.maxAge()), checkPeriod(hb.maxAge()), () -> {
            if (ending.get() != null || !heartbeatInFlight.compareAndSet(false, true)) return;
            ProcessTimers.FILE_CHECKS.execute(() -> {
                try {
                    checkHeartbeat(hb);
                } finally {
                    heartbeatInFlight.set(false);
                }
            });
        })));
    }

    private void checkHeartbeat(ProcessSpec.Heartbeat hb) {
        long ageMillis;
        try {
            long modified = Files.getLastModifiedTime(hb.file()).toMillis();
            ageMillis = Math.min(System.currentTimeMillis() - modified, (System.nanoTime() - readyNanos) / 1_000_000);
        } catch (NoSuchFileException none) {
            ageMillis = (System.nanoTime() - readyNanos) / 1_000_000;
        } catch (IOException e) {
            LOG.warn("process '{}': cannot read heartbeat file {}: {}", ctx.id(), hb.file(), e.toString());
            return;
        }
        if (ageMillis > hb.maxAge().toMillis()) {
            checkFailed(ProcessCrash.Kind.HEARTBEAT, "heartbeat " + hb.file() + " not touched for "
                    + Duration.ofMillis(ageMillis) + " (maxAge " + hb.maxAge() + ")");
        }
    }

    private void livenessFailed(Probe.Liveness l, String failure) {
        int n = livenessFailures.incrementAndGet();
        ctx.notify(new ProcessEvent.ProbeFailed(l.probe().describe(), failure, n, l.failureThreshold()));
        if (n >= l.failureThreshold()) {
            checkFailed(ProcessCrash.Kind.LIVENESS, "liveness " + l.probe().describe() + " failed " + n
                    + " times in a row, last: " + failure);
        }
    }

    private static Duration checkPeriod(Duration limit) {
        Duration quarter = limit.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
                : quarter.isZero() ? Duration.ofMillis(1) : quarter;
    }

    private void checkFailed(ProcessCrash.Kind kind, String detail) {
        if (!ending.compareAndSet(null, new Ending.CheckFailed(kind, detail))) return;
        LOG.warn("process '{}' (pid {}): {}; stopping its tree", ctx.id(), pid(), detail);
        endTree(spec.stopTimeout());
    }

    /** Stops every process of the tree: the stop signal, then SIGKILL after {@code grace}. */
    private void endTree(Duration grace) {
        cancelTimers();
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
        stopSampling.run();
        leaveBrake.run();
        TreeGuard g = guard;
        owner.ended(Optional.empty(), CrashAction.restart(), g == null ? List.of() : g.lastPids());
        startResult.completeExceptionally(new IllegalStateException(detail));
        exit.complete(new ExitReason.Shutdown("abandoned: " + detail));
    }

    private void onMainExit() {
        // Ending first: a timer added from now on cancels itself (see addTimer). A start given up on whose
        // process the starter killed before this run could see the cancel is that, not a crash.
        Ending witness = ending.compareAndExchange(null, new Ending.Exited());
        Ending why = witness == null && startResult.isCancelled() ? new Ending.Cancelled() : witness;     // null: it exited by itself
        cancelTimers();
        stopSampling.run();
        leaveBrake.run();
        int code = process.exitValue();
        Duration uptime = Duration.ofNanos(System.nanoTime() - launchedNanos);
        // Whatever the main process left behind (workers, grandchildren, detached ones) goes too.
        Duration grace = why instanceof Ending.Cancelled ? Duration.ZERO : spec.stopTimeout();
        TreeGuard g = guard;
        tree.sweep(spec.stopSignal(), grace, g == null ? List.of() : g.lastMembers())
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

    private void finish(int code, Duration uptime, Ending why) {
        tree.forget();
        if (abandoned) return;                // reported already (see abandon); the supervisor has moved on
        List<String> tail = output.tail().stream().map(OutputLine::toString).toList();
        ExitStatus status = new ExitStatus(code);
        if (why == null && sameSignalAsTheJvm(status)) why = new Ending.Requested();
        if (!ready && why == null && startsAtLaunch()) becomeReady(AT_LAUNCH, false);     // exited before its ready timer ran
        if (!ready && why == null) {
            Judged j = judge(new ProcessCrash(ProcessCrash.Kind.DIED_STARTING, "'" + ctx.id() + "' " + status
                    + " before it was ready, after " + uptime, Optional.of(status), pid(), uptime, tail), status, why);
            startResult.completeExceptionally(j.restarts() ? j.crash() : new FatalStartException(j.crash().getMessage(), j.crash()));
            exit.complete(new ExitReason.Failure(j.crash()));
            return;
        }
        ExitReason reason = switch (why) {
            case null -> ExitClassifier.classify(spec, ctx.id(), code, pid(), uptime, tail);
            case Ending.Exited x -> ExitClassifier.classify(spec, ctx.id(), code, pid(), uptime, tail);    // not reached: never a witness
            case Ending.Requested r -> new ExitReason.Shutdown(status.toString());
            case Ending.Cancelled c -> new ExitReason.Shutdown("start abandoned, " + status);
            case Ending.MaxAge m -> new ExitReason.RestartNow("maximum age " + m.age() + " reached");
            case Ending.Braked b -> {
                judge(new ProcessCrash(ProcessCrash.Kind.HOST_MEMORY_FLOOR, "'" + ctx.id() + "' restarted by the host memory floor: "
                        + b.trip(), Optional.of(status), pid(), uptime, tail), status, why);
                yield new ExitReason.RestartNow("host memory below the floor: " + b.trip());
            }
            case Ending.CheckFailed f -> new ExitReason.Failure(new ProcessCrash(f.kind(), "'" + ctx.id() + "' " + f.detail(),
                    Optional.of(status), pid(), uptime, tail));
        };
        reason = switch (reason) {
            case ExitReason.Failure f when f.cause() instanceof ProcessCrash c -> {
                Judged j = judge(c, status, why);
                yield j.restarts() ? new ExitReason.Failure(j.crash()) : new ExitReason.Fatal(j.crash());
            }
            case ExitReason.Fatal f when f.cause() instanceof ProcessCrash c -> new ExitReason.Fatal(judge(c, status, why).crash());
            default -> {
                if (why instanceof Ending.Braked) yield reason;     // judged above
                TreeGuard g = guard;
                owner.ended(Optional.empty(), CrashAction.restart(), g == null ? List.of() : g.lastPids());
                yield reason;
            }
        };
        if (!startResult.isDone()) {
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

    /** A crash with its report attached, and whether its classified action allows a restart. */
    private record Judged(ProcessCrash crash, boolean restarts) {}

    /**
     * Classifies a crash, makes its report (written to the history, handed to the advisor for the next
     * start, announced as {@link ProcessEvent.Crashed}) and returns the crash with the report attached.
     */
    private Judged judge(ProcessCrash crash, ExitStatus status, Ending why) {
        Optional<CrashClassification> verdict = Optional.empty();
        String oomNote = "";
        CrashClassifier c = classifier;
        if (c != null) {
            if (why instanceof Ending.CheckFailed || why instanceof Ending.Braked) {
                verdict = byLinesOnly(c, status);          // we killed it: its exit status says nothing
            } else {
                oomNote = checkOomKill(c, status);
                verdict = c.verdict(status);
            }
        }
        CrashReport report = CrashReport.of(ctx.supervisor(), ctx.id(), ctx.incarnation(), Instant.now(), crash);
        if (verdict.isPresent()) {
            CrashClassification v = verdict.get();
            report = report.withClassification(v, v.basis() == CrashBasis.EXIT_STATUS ? oomNote : "");
        }
        TreeGuard g = guard;
        if (g != null) report = report.withResources(g.lastRssBytes(), g.lastGpuBytes());
        if (spec.inFlightRequests().isPresent()) {
            report = report.withInFlightRequests(spec.inFlightRequests().get().snapshot(ctx.id()));
        }
        CrashAction action = verdict.map(CrashClassification::action).orElse(CrashAction.restart());
        write(report);
        owner.ended(Optional.of(report), action, g == null ? List.of() : g.lastPids());
        if (action instanceof CrashAction.Alert) {
            LOG.error("ALERT process '{}' (pid {}) crashed: {} — {}", ctx.id(), pid(), report.kind(), report.advice().orElse(crash.getMessage()));
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

    /** Resolves the cgroup OOM-kill counter of the process and remembers its current value. */
    private void watchOomKills() {
        Optional<Path> file = CgroupOomKills.eventsFile(pid());
        if (file.isEmpty()) return;
        OptionalLong n = CgroupOomKills.count(file.get());
        if (n.isEmpty()) return;
        oomFile = file.get();
        oomKillsBefore = n.getAsLong();
    }

    /**
     * For a SIGKILL death: a rise of the cgroup's OOM-kill count confirms the kernel's OOM killer (a
     * kernel-counter match); otherwise says, for the evidence, why an OOM kill is not confirmed. Empty for
     * any other end.
     */
    private String checkOomKill(CrashClassifier c, ExitStatus status) {
        if (status.signal().map(sig -> sig != 9).orElse(true)) return "";
        Path file = oomFile;
        long before = oomKillsBefore;
        if (file == null || before < 0) return "OOM kill not confirmed: no cgroup OOM-kill counter could be read for it";
        OptionalLong after = CgroupOomKills.count(file);
        if (after.isEmpty()) return "OOM kill not confirmed: the cgroup's OOM-kill counter (" + file + ") could not be read at exit";
        if (after.getAsLong() > before) {
            c.kernelCounted("oom-kill", "killed by SIGKILL (exit 137) while the cgroup's oom_kill counter rose from "
                    + before + " to " + after.getAsLong() + " (" + file + ")");
            return "";
        }
        return "OOM kill not confirmed: the cgroup's oom_kill counter did not move (" + before + " in " + file + ")";
    }

    /**
     * Adds a timer of this run. Once the run is ending its timers are cancelled, and one added after that
     * (a readiness timer set up after a fast exit, the checks of a start that ended meanwhile) is cancelled
     * here: {@link #ending} is set before {@link #cancelTimers} runs, and read here after the add.
     */
    private void addTimer(ScheduledFuture<?> timer) {
        timers.add(timer);
        if (ending.get() != null) timer.cancel(false);
    }

    /** Cancels the timers added so far (each removed by itself, so that one added meanwhile stays listed). */
    private void cancelTimers() {
        for (ScheduledFuture<?> t : timers) {
            t.cancel(false);
            timers.remove(t);
        }
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

package dev.supervision.internal;

import dev.supervision.AutoShutdown;
import dev.supervision.ChildDefinition;
import dev.supervision.ChildDetails;
import dev.supervision.ChildInfo;
import dev.supervision.ChildRef;
import dev.supervision.ChildSpec;
import dev.supervision.ChildState;
import dev.supervision.ChildType;
import dev.supervision.CircuitState;
import dev.supervision.ExitReason;
import dev.supervision.FatalStartException;
import dev.supervision.GiveUp;
import dev.supervision.Human;
import dev.supervision.Restart;
import dev.supervision.Shutdown;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorException;
import dev.supervision.SupervisorSpec;
import dev.supervision.TreeSnapshot;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.RunningChild;
import dev.supervision.spi.Scheduler;
import dev.supervision.spi.StartProgress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor: all state lives in this object and is changed only on its loop thread, which
 * drains an MPSC queue of messages. Starts and stops are asynchronous steps ("ops") run one after
 * another, as OTP runs them inside its single process; queries and {@link #stop()} are answered
 * while an op (for example a slow start) is in progress.
 */
public final class SupervisorRuntime implements Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /** How long a child whose forced stop cannot be guaranteed gets before it is abandoned. */
    static final Duration KILL_GRACE = Duration.ofSeconds(1);

    private final SupervisorSpec spec;
    private final String name;
    private final Scheduler clock;
    private final MpscUnboundedAtomicArrayQueue<Runnable> mailbox = new MpscUnboundedAtomicArrayQueue<>(256);
    private final Thread loop;
    private volatile boolean loopDone;
    /** Messages the loop posted to itself; loop-confined. */
    private final ArrayDeque<Runnable> local = new ArrayDeque<>();

    // ---- loop-confined state ----
    /**
     * The children in start order, by {@link ChildRef#name()}: the id in a static supervisor, id#serial in a
     * dynamic one (a map, so that a dynamic supervisor drops one of 100,000 children without a scan).
     */
    private final LinkedHashMap<String, Entry> children = new LinkedHashMap<>();
    /** The last serial a dynamic child got. */
    private long serial;
    private final ArrayDeque<Long> restartTimes = new ArrayDeque<>();
    private final ArrayDeque<Op> ops = new ArrayDeque<>();
    private boolean opRunning;
    private boolean terminating;
    private final CompletableFuture<ExitReason> termination = new CompletableFuture<>();
    private Thread shutdownHook;
    private volatile TreeSnapshot finalSnapshot;

    private SupervisorRuntime(SupervisorSpec spec) {
        this.spec = spec;
        this.name = spec.name();
        this.clock = spec.scheduler();
        this.loop = Thread.ofVirtual().name("supervisor-" + name).unstarted(this::runLoop);
    }

    /** Starts a root supervisor (with the JVM shutdown hook when the spec asks for it). */
    public static CompletableFuture<Supervisor> startRoot(SupervisorSpec spec) {
        return start(spec, spec.shutdownHook());
    }

    static CompletableFuture<Supervisor> start(SupervisorSpec spec, boolean hook) {
        CompletableFuture<Supervisor> started = new CompletableFuture<>();
        launch(spec, hook, started);
        return started;
    }

    /** Starts a supervisor; {@code started} completes once all its children started. Returns it at once. */
    static SupervisorRuntime launch(SupervisorSpec spec, boolean hook, CompletableFuture<Supervisor> started) {
        SupervisorRuntime s = new SupervisorRuntime(spec);
        s.loop.start();
        s.post(() -> s.init(started, hook));
        return s;
    }

    /**
     * The stops of nested supervisors whose start was given up on (see {@link Children#supervisor}): the
     * parent does not wait for them, so a root's shutdown hook does before the JVM goes.
     */
    static final Set<CompletableFuture<?>> GIVEN_UP_STOPS = ConcurrentHashMap.newKeySet();
    /** How long a shutdown hook waits for {@link #GIVEN_UP_STOPS}. */
    private static final Duration GIVEN_UP_WAIT = Duration.ofSeconds(30);

    // ------------------------------------------------------------------ loop

    /**
     * Queues {@code r} for the loop. Messages the loop sends itself (the completion of a step it just
     * ran) go to a loop-local queue without the MPSC hand-off and wake-up; what is already waiting in
     * the mailbox moves ahead of them first, so that the loop sees messages in the order they were
     * posted (a child's notices before the completion of its start).
     */
    private void post(Runnable r) {
        if (Thread.currentThread() == loop) {
            Runnable earlier;
            while ((earlier = mailbox.poll()) != null) local.add(earlier);
            local.add(r);
            return;
        }
        mailbox.offer(r);
        LockSupport.unpark(loop);
    }

    private void runLoop() {
        while (!loopDone) {
            Runnable r = local.poll();
            // poll(), not relaxedPoll(): relaxedPoll() may answer null while a producer is between
            // claiming a slot and filling it, and a stress test showed a lost wake-up with it.
            if (r == null) r = mailbox.poll();
            if (r == null) {
                LockSupport.park(this);
                continue;
            }
            try {
                r.run();
            } catch (Throwable t) {
                LOG.error("supervisor '{}': internal error in event loop", name, t);
            }
        }
    }

    /** Completes {@code stage}'s outcome on the loop thread. */
    private <T> CompletableFuture<T> onLoop(CompletionStage<T> stage) {
        CompletableFuture<T> f = new CompletableFuture<>();
        stage.whenComplete((v, e) -> post(() -> {
            if (e != null) f.completeExceptionally(unwrap(e)); else f.complete(v);
        }));
        return f;
    }

    private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> body) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        if (loopDone) {
            answer.completeExceptionally(terminated());
            return answer;
        }
        post(() -> {
            try {
                body.get().whenComplete((v, e) -> { if (e != null) answer.completeExceptionally(unwrap(e)); else answer.complete(v); });
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        if (loopDone) answer.completeExceptionally(terminated());   // raced with termination: never run
        return answer;
    }

    private <T> CompletableFuture<T> mutate(Supplier<CompletableFuture<T>> body) {
        return call(() -> {
            if (terminating) return CompletableFuture.failedFuture(terminated());
            CompletableFuture<T> result = new CompletableFuture<>();
            ops.add(new Op(() -> {
                CompletableFuture<T> f;
                try { f = body.get(); } catch (Throwable t) { f = CompletableFuture.failedFuture(t); }
                f.whenComplete((v, e) -> { if (e != null) result.completeExceptionally(unwrap(e)); else result.complete(v); });
                return f.handle((v, e) -> null);
            }, result));
            pump();
            return result;
        });
    }

    /** A step run alone; {@code caller} is the API call waiting for it, failed if the op is dropped. */
    private record Op(Supplier<CompletableFuture<Void>> body, CompletableFuture<?> caller) {}

    private void enqueueOp(Supplier<CompletableFuture<Void>> op) {
        ops.add(new Op(op, null));
        pump();
    }

    private void pump() {
        if (opRunning || terminating || ops.isEmpty()) return;
        opRunning = true;
        Op op = ops.poll();
        CompletableFuture<Void> f;
        try {
            f = op.body().get();
        } catch (Throwable t) {
            LOG.error("supervisor '{}': internal error in operation", name, t);
            f = CompletableFuture.completedFuture(null);
        }
        f.whenComplete((v, e) -> post(() -> { opRunning = false; pump(); }));
    }

    private SupervisorException terminated() {
        return new SupervisorException("terminated", "supervisor '" + name + "' has terminated");
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
        return e;
    }

    private void emit(SupervisorEvent event) {
        for (Consumer<SupervisorEvent> l : spec.listeners()) {
            try {
                l.accept(event);
            } catch (Throwable t) {
                LOG.warn("supervisor '{}': listener failed on {}", name, event, t);
            }
        }
    }

    // ------------------------------------------------------------------ start-up

    private void init(CompletableFuture<Supervisor> started, boolean hook) {
        for (ChildSpec c : spec.children()) add(c, null);
        opRunning = true;
        // Before the first start: a JVM told to stop while a child is still starting (a model loading for
        // minutes) must stop what was started, and the start in progress.
        if (hook) registerHook();
        startInOrder(new ArrayList<>(children.values()), 0).whenComplete((failed, err) -> {
            opRunning = false;
            if (failed == null) {
                started.complete(this);
                pump();
                return;
            }
            // OTP: init stops with {shutdown, {failed_to_start_child, Id, Reason}}.
            // Logged once, by failStart; the caller of start gets the exception.
            Throwable cause = failed.lastStartError;
            SupervisorException error = new SupervisorException("start_failed", "supervisor '" + name + "': child '"
                    + failed.name() + "' failed to start: " + cause, cause);
            terminate(new ExitReason.Shutdown("failed_to_start_child", Optional.of(error)))
                    .whenComplete((r, x) -> started.completeExceptionally(error));
        });
    }

    private void registerHook() {
        shutdownHook = new Thread(() -> {
            try {
                stop().join();
                CompletableFuture.allOf(GIVEN_UP_STOPS.toArray(CompletableFuture[]::new))
                        .get(GIVEN_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Throwable ignored) {
                // the JVM is going down; the stop has already logged what failed
            }
        }, "supervision-shutdown-" + name);
        try {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            shutdownHook = null;
        }
    }

    /**
     * Starts {@code list[from..]} one after another; completes with {@code null} when all started or
     * with the first entry that failed (its {@code lastStartError} says why).
     */
    private CompletableFuture<Entry> startInOrder(List<Entry> list, int from) {
        if (from >= list.size() || terminating) return CompletableFuture.completedFuture(null);
        Entry e = list.get(from);
        return startEntry(e).thenCompose(ok -> ok ? startInOrder(list, from + 1) : CompletableFuture.completedFuture(e));
    }

    /** Starts one incarnation; completes on the loop with whether it started. */
    private CompletableFuture<Boolean> startEntry(Entry e) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        if (terminating) { result.complete(false); return result; }
        e.cancelTimer();
        e.restartPending = false;
        e.scheduledBy = null;
        e.incarnation++;
        e.state = ChildState.STARTING;
        e.nextRestartAt = -1;
        long inc = e.incarnation;
        CompletableFuture<RunningChild> pending;
        try {
            String id = e.name();   // a dynamic child's context id is its unique name
            pending = e.spec.starter().start(new ChildContext(name, id, inc, e.argument,
                    notice -> post(() -> emit(new SupervisorEvent.ChildNoticed(name, id, notice))))).toCompletableFuture();
        } catch (Throwable t) {
            pending = CompletableFuture.failedFuture(t);
        }
        CompletableFuture<RunningChild> starting = pending;
        e.pendingStart = starting;
        Scheduler.Cancellable timeout = e.spec.startTimeout().map(d -> clock.schedule(d, () -> post(() -> {
            if (result.isDone()) return;
            String waiting = starting instanceof StartProgress p ? "; it was waiting for " + p.waitingFor() : "";
            starting.cancel(true);
            failStart(e, result, new TimeoutException("child '" + e.name() + "' did not start within " + Human.duration(d) + waiting));
        }))).orElse(null);
        starting.whenComplete((rc, err) -> post(() -> {
            if (timeout != null) timeout.cancel();
            if (result.isDone() || e.incarnation != inc || e.pendingStart != starting) {
                if (rc != null) { rc.requestStop(); rc.kill(); }   // late start after timeout or stop
                return;
            }
            e.pendingStart = null;
            if (err != null) {
                failStart(e, result, unwrap(err));
                return;
            }
            e.running = rc;
            e.startedAt = clock.nanoTime();
            e.state = ChildState.RUNNING;
            emit(new SupervisorEvent.ChildStarted(name, e.name()));
            if (e.circuit == CircuitState.HALF_OPEN && spec.giveUp() instanceof GiveUp.CircuitBreaker cb) {
                e.timer = clock.schedule(cb.stableFor(), () -> post(() -> {
                    if (e.running == rc && e.circuit == CircuitState.HALF_OPEN) {
                        e.circuit = CircuitState.CLOSED;
                        emit(new SupervisorEvent.CircuitClosed(name, e.name()));
                        LOG.info("supervisor '{}': circuit of child '{}' closed", name, e.name());
                    }
                }));
            }
            rc.exit().whenComplete((reason, x) -> post(() ->
                    onExit(e, rc, reason != null ? reason : new ExitReason.Failure(unwrap(x)))));
            result.complete(true);
        }));
        return result;
    }

    /**
     * The throwable to append to a log line so that its stack trace is printed (slf4j prints a trailing
     * throwable argument as one), or null: a throwable without a stack trace (a process crash, whose trace
     * would only show this library's internals) or a fatal start (its message says all) is logged by its text.
     */
    private static Throwable trace(Throwable t) {
        return t.getStackTrace().length == 0 || t instanceof FatalStartException ? null : t;
    }

    private void failStart(Entry e, CompletableFuture<Boolean> result, Throwable cause) {
        e.pendingStart = null;
        e.lastStartError = cause;
        e.lastExit = new ExitReason.Failure(cause);
        e.state = ChildState.FAILED;
        emit(new SupervisorEvent.StartFailed(name, e.name(), cause));
        LOG.error("supervisor '{}': start_error child '{}': {}", name, e.name(), cause.toString(), trace(cause));
        result.complete(false);
    }

    // ------------------------------------------------------------------ stop

    /** Stops one child per its shutdown spec; completes on the loop when it has exited or was abandoned. */
    private CompletableFuture<Void> stopEntry(Entry e) {
        e.cancelTimer();
        if (e.restartPending) dropPendingRestart(e);
        e.scheduledBy = null;
        e.nextRestartAt = -1;
        if (e.pendingStart != null) {           // a start in progress: give up on it; a late success is killed
            e.pendingStart.cancel(true);
            e.pendingStart = null;
            e.incarnation++;
        }
        RunningChild rc = e.running;
        if (rc == null) {
            if (e.state != ChildState.FAILED) e.state = ChildState.STOPPED;
            return CompletableFuture.completedFuture(null);
        }
        if (e.stopDone != null) return e.stopDone;
        CompletableFuture<Void> done = new CompletableFuture<>();
        e.stopDone = done;
        e.state = ChildState.STOPPING;
        switch (e.spec.shutdown()) {
            case Shutdown.BrutalKill b -> forceKill(e, rc);
            case Shutdown.Timeout t -> {
                rc.requestStop();
                if (!isDone(rc.exit())) {       // no timer for a child that stopped at once
                    e.timer = clock.schedule(t.timeout(), () -> post(() -> { if (e.running == rc) forceKill(e, rc); }));
                }
            }
            case Shutdown.Infinity i -> rc.requestStop();
        }
        return done;
    }

    private static boolean isDone(CompletionStage<?> stage) {
        try {
            return stage.toCompletableFuture().isDone();
        } catch (UnsupportedOperationException notAFuture) {
            return false;
        }
    }

    private void forceKill(Entry e, RunningChild rc) {
        if (rc.kill()) return;
        e.cancelTimer();
        e.timer = clock.schedule(KILL_GRACE, () -> post(() -> {
            if (e.running != rc) return;
            String detail = "child '" + e.name() + "' did not exit after a forced stop (a thread ignoring interrupts?); "
                    + "it is abandoned and no longer supervised";
            LOG.error("supervisor '{}': shutdown_error {}", name, detail);
            emit(new SupervisorEvent.ChildAbandoned(name, e.name(), detail));
            finishStop(e, new ExitReason.Shutdown("abandoned"));
        }));
    }

    private void finishStop(Entry e, ExitReason reason) {
        e.running = null;
        e.lastExit = reason;
        e.state = ChildState.STOPPED;
        e.cancelTimer();
        CompletableFuture<Void> done = e.stopDone;
        e.stopDone = null;
        if (done != null) done.complete(null);
    }

    private CompletableFuture<Void> stopAll(List<Entry> list) {
        return CompletableFuture.allOf(list.stream().map(this::stopEntry).toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> stopInReverse(List<Entry> list) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = list.size() - 1; i >= 0; i--) {
            Entry e = list.get(i);
            chain = chain.thenCompose(v -> stopEntry(e));
        }
        return chain;
    }

    // ------------------------------------------------------------------ exits and restarts

    private void onExit(Entry e, RunningChild rc, ExitReason reason) {
        if (e.running != rc) return;               // stale: an abandoned or replaced incarnation
        emit(new SupervisorEvent.ChildExited(name, e.name(), reason));
        if (e.stopDone != null) {                  // a stop we asked for
            finishStop(e, reason);
            return;
        }
        e.running = null;
        e.lastExit = reason;
        e.cancelTimer();
        switch (reason) {
            case ExitReason.Failure f -> LOG.error("supervisor '{}': child_terminated '{}' reason={}", name, e.name(),
                    f.cause().toString(), trace(f.cause()));
            case ExitReason.Fatal f -> LOG.error("supervisor '{}': child_terminated '{}' reason=fatal (not restarted): {}",
                    name, e.name(), f.cause().toString(), trace(f.cause()));
            default -> LOG.info("supervisor '{}': child_terminated '{}' reason={}", name, e.name(), reason);
        }
        boolean restart = !(reason instanceof ExitReason.Fatal) && switch (e.spec.restart()) {
            case PERMANENT -> true;
            case TRANSIENT -> !reason.isNormalOrShutdown();
            case TEMPORARY -> false;
        };
        e.state = restart ? ChildState.RESTARTING : reason instanceof ExitReason.Fatal ? ChildState.FAILED : ChildState.STOPPED;
        boolean counted = !(reason instanceof ExitReason.RestartNow);
        long inc = e.incarnation;
        enqueueOp(() -> {
            // OTP ignores an exit from a pid it no longer has: a group restart that ran meanwhile
            // already started a new incarnation of this child.
            if (e.incarnation != inc || e.removed) return CompletableFuture.completedFuture(null);
            return restart ? restartAfterExit(e, counted) : settleWithoutRestart(e);
        });
    }

    private CompletableFuture<Void> settleWithoutRestart(Entry e) {
        // OTP drops a TEMPORARY child's spec; Elixir's DynamicSupervisor drops every child it does not restart.
        if (e.spec.restart() == Restart.TEMPORARY || spec.dynamic()) remove(e);
        if (e.spec.significant()) {
            boolean shut = switch (spec.autoShutdown()) {
                case NEVER -> false;
                case ANY_SIGNIFICANT -> true;
                case ALL_SIGNIFICANT -> children.values().stream().noneMatch(c -> c.spec.significant() && c.alive());
            };
            if (shut) {
                LOG.info("supervisor '{}': auto_shutdown after significant child '{}' exited", name, e.name());
                return terminate(new ExitReason.Shutdown("auto_shutdown")).thenApply(r -> null);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** {@code counted}: false for a {@link ExitReason.RestartNow} exit (no intensity, no backoff). */
    private CompletableFuture<Void> restartAfterExit(Entry e, boolean counted) {
        if (counted && e.circuit == CircuitState.HALF_OPEN) {  // the trial run died: open again, do not count
            openCircuit(e, (GiveUp.CircuitBreaker) spec.giveUp());
            return CompletableFuture.completedFuture(null);
        }
        if (counted && !addRestart()) return giveUp(e);
        return restartGroup(e, counted);
    }

    /**
     * OTP's {@code restart(Strategy, Child)}: stops the rest of {@code e}'s group (per the strategy, as the
     * supervisor's children are now) in reverse order, drops the TEMPORARY ones, then schedules the group's
     * start in order. Runs after an exit and again for a child whose restart failed (OTP's
     * {@code try_again_restart}): under ONE_FOR_ALL the children already restarted in that round are stopped
     * and started again.
     */
    private CompletableFuture<Void> restartGroup(Entry e, boolean withBackoff) {
        List<Entry> group = switch (spec.strategy()) {
            case ONE_FOR_ONE -> List.of(e);
            case ONE_FOR_ALL -> new ArrayList<>(children.values());
            case REST_FOR_ONE -> {
                List<Entry> all = new ArrayList<>(children.values());
                yield new ArrayList<>(all.subList(all.indexOf(e), all.size()));
            }
        };
        List<Entry> others = new ArrayList<>(group);
        others.remove(e);
        return stopInReverse(others).thenCompose(v -> {
            for (Entry o : others) if (o.spec.restart() == Restart.TEMPORARY) remove(o);
            List<Entry> toStart = new ArrayList<>(group);
            toStart.removeIf(o -> o.removed || o.circuit == CircuitState.OPEN);
            return scheduleRestart(e, toStart, withBackoff);
        });
    }

    /** Applies {@code trigger}'s backoff (unless {@code withBackoff} is false), then starts {@code group} in order. */
    private CompletableFuture<Void> scheduleRestart(Entry trigger, List<Entry> group, boolean withBackoff) {
        Duration delay = Duration.ZERO;
        if (withBackoff) {
            Duration stable = trigger.spec.backoff().stableAfter();
            if (stable != null && trigger.startedAt >= 0 && clock.nanoTime() - trigger.startedAt >= stable.toNanos()) {
                trigger.attempt = 0;
            }
            delay = trigger.spec.backoff().delay(trigger.attempt, ThreadLocalRandom.current().nextDouble());
            trigger.attempt++;
        }
        trigger.restarts++;
        emit(new SupervisorEvent.RestartScheduled(name, trigger.name(), delay, trigger.attempt));
        for (Entry g : group) {
            g.state = ChildState.RESTARTING;
            g.scheduledBy = trigger;
        }
        if (delay.isZero()) return startGroup(trigger, group);
        long at = clock.nanoTime() + delay.toNanos();
        for (Entry g : group) g.nextRestartAt = at;
        trigger.restartPending = true;
        trigger.timer = clock.schedule(delay, () -> post(() -> enqueueOp(() -> {
            trigger.restartPending = false;
            return startGroup(trigger, group);
        })));
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Starts, in order, the members of {@code group} that {@code trigger} still schedules: a member
     * stopped, deleted or rescheduled by a later restart meanwhile is left alone.
     */
    private CompletableFuture<Void> startGroup(Entry trigger, List<Entry> group) {
        group.removeIf(g -> g.removed || g.alive() || g.scheduledBy != trigger);
        return startInOrder(group, 0).thenCompose(failed -> {
            if (failed == null || terminating) return CompletableFuture.completedFuture(null);
            List<Entry> rest = new ArrayList<>(group.subList(group.indexOf(failed) + 1, group.size()));
            if (failed.lastStartError instanceof dev.supervision.FatalStartException) {
                // Another attempt cannot fix it: the child stays FAILED (a dynamic supervisor drops it),
                // uncounted; the rest still starts.
                if (spec.dynamic()) remove(failed);
                for (Entry r : rest) r.scheduledBy = failed;
                return startGroup(failed, rest);
            }
            // OTP: a failed restart counts as a restart and runs the strategy again for the failed child.
            if (addRestart()) return restartGroup(failed, true);
            return giveUp(failed).thenCompose(v -> {
                // A circuit breaker isolates the failed child; the rest of its group still starts.
                if (terminating) return CompletableFuture.completedFuture(null);
                for (Entry r : rest) r.scheduledBy = failed;
                return startGroup(failed, rest);
            });
        });
    }

    /** Drops the group restart that {@code trigger}'s timer would have run (the trigger was stopped). */
    private void dropPendingRestart(Entry trigger) {
        trigger.restartPending = false;
        for (Entry x : children.values()) {
            if (x.scheduledBy == trigger && !x.alive()) {
                x.scheduledBy = null;
                x.nextRestartAt = -1;
                if (x.state == ChildState.RESTARTING) x.state = ChildState.STOPPED;
            }
        }
    }

    /** OTP's add_restart: sliding window, a restart at {@code now - period} still counts. */
    private boolean addRestart() {
        long now = clock.nanoTime();
        long threshold = now - spec.period().toNanos();
        while (!restartTimes.isEmpty() && restartTimes.peekFirst() < threshold) restartTimes.pollFirst();
        restartTimes.addLast(now);
        return restartTimes.size() <= spec.intensity();
    }

    private CompletableFuture<Void> giveUp(Entry e) {
        emit(new SupervisorEvent.IntensityExceeded(name, e.name(), spec.intensity(), spec.period()));
        return switch (spec.giveUp()) {
            case GiveUp.Escalate x -> {
                LOG.error("supervisor '{}': reached_max_restart_intensity ({} in {}), child '{}'; shutting down",
                        name, spec.intensity(), spec.period(), e.name());
                yield terminate(new ExitReason.Shutdown("reached_max_restart_intensity")).thenApply(r -> null);
            }
            case GiveUp.CircuitBreaker cb -> {
                restartTimes.clear();
                openCircuit(e, cb);
                yield CompletableFuture.completedFuture(null);
            }
        };
    }

    private void openCircuit(Entry e, GiveUp.CircuitBreaker cb) {
        e.cancelTimer();
        e.circuit = CircuitState.OPEN;
        e.state = ChildState.FAILED;
        e.nextRestartAt = clock.nanoTime() + cb.coolDown().toNanos();
        LOG.warn("supervisor '{}': circuit of child '{}' opened for {}", name, e.name(), cb.coolDown());
        emit(new SupervisorEvent.CircuitOpened(name, e.name(), cb.coolDown()));
        e.timer = clock.schedule(cb.coolDown(), () -> post(() -> enqueueOp(() -> {
            if (e.circuit != CircuitState.OPEN || e.removed) return CompletableFuture.completedFuture(null);
            e.circuit = CircuitState.HALF_OPEN;
            emit(new SupervisorEvent.CircuitHalfOpen(name, e.name()));
            return startEntry(e).thenAccept(ok -> { if (!ok) openCircuit(e, cb); });
        })));
    }

    /** Adds a child at the end of the start order; a dynamic supervisor's child gets a name of its own. */
    private Entry add(ChildSpec child, Object argument) {
        String childName = spec.dynamic() ? child.id() + "#" + ++serial : child.id();
        Entry e = new Entry(child, new ChildRef(name, childName), argument);
        children.put(childName, e);
        return e;
    }

    private void remove(Entry e) {
        children.remove(e.name());
        e.removed = true;
    }

    // ------------------------------------------------------------------ termination

    private CompletableFuture<ExitReason> terminate(ExitReason reason) {
        if (terminating) return termination;
        terminating = true;
        for (Op op : ops) if (op.caller() != null) op.caller().completeExceptionally(terminated());
        ops.clear();
        for (Entry e : children.values()) e.cancelTimer();
        // Elixir's DynamicSupervisor stops its children all at once; OTP's static supervisor in reverse order.
        List<Entry> all = new ArrayList<>(children.values());
        (spec.dynamic() ? stopAll(all) : stopInReverse(all)).whenComplete((v, x) -> {
            children.values().removeIf(c -> c.spec.restart() == Restart.TEMPORARY);
            finalSnapshot = new TreeSnapshot(name, spec.strategy(), false, infos());
            emit(new SupervisorEvent.SupervisorTerminated(name, reason));
            if (reason instanceof ExitReason.Shutdown sd && sd.detail().equals("failed_to_start_child")) {
                LOG.debug("supervisor '{}': terminated, reason={}", name, reason);   // the failed start was logged
            } else {
                LOG.info("supervisor '{}': terminated, reason={}", name, reason);
            }
            if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException jvmShuttingDown) {
                    // nothing to remove while the JVM exits
                }
            }
            loopDone = true;
            termination.complete(reason);
        });
        return termination;
    }

    // ------------------------------------------------------------------ API

    @Override public String name() { return name; }

    @Override public CompletableFuture<ChildRef> startChild(ChildDefinition child) { return startChild(child, null); }

    @Override
    public CompletableFuture<ChildRef> startChild(ChildDefinition definition, Object argument) {
        ChildSpec child;
        try {
            child = definition.childSpec();
        } catch (RuntimeException invalid) {
            return CompletableFuture.failedFuture(invalid);
        }
        return mutate(() -> {
            Entry existing = spec.dynamic() ? null : children.get(child.id());
            if (existing != null) {
                return CompletableFuture.failedFuture(existing.alive()
                        ? new SupervisorException("already_started", "child '" + child.id() + "' is already running in '" + name + "'")
                        : new SupervisorException("already_present", "child '" + child.id() + "' is already present in '" + name + "'"));
            }
            if (children.size() >= spec.maxChildren()) {
                return CompletableFuture.failedFuture(new SupervisorException("max_children",
                        "supervisor '" + name + "' already has maxChildren=" + spec.maxChildren() + " children"));
            }
            if (child.significant() && spec.autoShutdown() == AutoShutdown.NEVER) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("child '" + child.id()
                        + "' is significant but supervisor '" + name + "' has autoShutdown NEVER"));
            }
            Entry e = add(child, argument);
            return startEntry(e).thenCompose(ok -> {
                if (ok) return CompletableFuture.completedFuture(e.ref);
                remove(e);                                      // OTP: a failed start_child leaves no spec
                return CompletableFuture.failedFuture(new SupervisorException("start_failed",
                        "child '" + e.name() + "' failed to start: " + e.lastStartError, e.lastStartError));
            });
        });
    }

    @Override
    public CompletableFuture<Void> terminateChild(String id) {
        return mutate(() -> {
            if (spec.dynamic()) return CompletableFuture.failedFuture(dynamicById("terminateChild", id));
            Entry e = children.get(id);
            if (e == null) return CompletableFuture.failedFuture(notFound(id));
            return terminate(e);
        });
    }

    @Override
    public CompletableFuture<Void> terminateChild(ChildRef child) {
        return mutate(() -> {
            Entry e = child.supervisor().equals(name) ? children.get(child.name()) : null;
            if (e == null) return CompletableFuture.failedFuture(notFound(child.toString()));
            return terminate(e);
        });
    }

    /** OTP's terminate_child: the spec stays unless TEMPORARY; a dynamic supervisor drops the child (Elixir). */
    private CompletableFuture<Void> terminate(Entry e) {
        return stopEntry(e).thenRun(() -> { if (e.spec.restart() == Restart.TEMPORARY || spec.dynamic()) remove(e); });
    }

    @Override
    public CompletableFuture<Void> restartChild(String id) {
        return mutate(() -> {
            Entry e = stoppedChild("restartChild", id);
            e.circuit = CircuitState.CLOSED;
            return startEntry(e).thenCompose(ok -> ok ? CompletableFuture.<Void>completedFuture(null)
                    : CompletableFuture.failedFuture(new SupervisorException("start_failed",
                            "child '" + id + "' failed to start: " + e.lastStartError, e.lastStartError)));
        });
    }

    @Override
    public CompletableFuture<Void> deleteChild(String id) {
        return mutate(() -> {
            Entry e = stoppedChild("deleteChild", id);
            e.cancelTimer();
            remove(e);
            return CompletableFuture.completedFuture(null);
        });
    }

    /**
     * The child {@code id} when it is neither running nor restarting (OTP's restart_child and delete_child);
     * throws the refusal otherwise, which {@link #mutate} hands to the caller.
     */
    private Entry stoppedChild(String call, String id) {
        if (spec.dynamic()) throw dynamicById(call, id);
        Entry e = children.get(id);
        if (e == null) throw notFound(id);
        if (e.alive()) throw new SupervisorException("running", "child '" + id + "' is running");
        if (e.state == ChildState.RESTARTING) throw new SupervisorException("restarting", "child '" + id + "' is restarting");
        return e;
    }

    private SupervisorException dynamicById(String call, String id) {
        return new SupervisorException("simple_one_for_one", call + "('" + id + "'): supervisor '" + name
                + "' is dynamic; its children are addressed by the ChildRef that startChild answered"
                + (call.equals("terminateChild") ? "" : ", and a child that is not restarted is removed"));
    }

    private SupervisorException notFound(String id) {
        return new SupervisorException("not_found", "no child '" + id + "' in supervisor '" + name + "'");
    }

    @Override
    public CompletableFuture<List<ChildInfo>> whichChildren() {
        return call(() -> CompletableFuture.completedFuture(infos()));
    }

    private List<ChildInfo> infos() {
        long now = clock.nanoTime();
        List<ChildInfo> out = new ArrayList<>(children.size());
        for (Entry e : children.values()) {
            Optional<ChildDetails> details = Optional.empty();
            try {
                if (e.running != null) details = e.running.details();
                else if (e.pendingStart instanceof StartProgress p) details = p.details();   // STARTING: what is known so far
            } catch (RuntimeException ex) {
                LOG.warn("supervisor '{}': child '{}' failed to describe itself", name, e.name(), ex);
            }
            out.add(new ChildInfo(e.spec.id(), e.ref, e.spec.type(), e.spec.restart(), e.state, e.restarts,
                    Optional.ofNullable(e.lastExit), e.circuit,
                    e.nextRestartAt >= 0 ? Optional.of(Duration.ofNanos(Math.max(0, e.nextRestartAt - now))) : Optional.empty(),
                    e.incarnation, Optional.empty(), details));
        }
        return out;
    }

    @Override
    public CompletableFuture<ChildCounts> countChildren() {
        return call(() -> {
            int active = 0, sups = 0;
            for (Entry e : children.values()) {
                if (e.alive()) active++;
                if (e.spec.type() == ChildType.SUPERVISOR) sups++;
            }
            return CompletableFuture.completedFuture(new ChildCounts(children.size(), active, sups, children.size() - sups));
        });
    }

    @Override
    public CompletableFuture<TreeSnapshot> snapshot() {
        TreeSnapshot last = finalSnapshot;
        if (last != null) return CompletableFuture.completedFuture(last);
        return call(() -> {
            List<ChildInfo> flat = infos();
            List<Entry> entries = new ArrayList<>(children.values());
            List<CompletableFuture<ChildInfo>> parts = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                ChildInfo info = flat.get(i);
                Entry e = entries.get(i);
                if (e.running instanceof NestedHandle n) {
                    parts.add(n.supervisor().snapshot().thenApply(t -> new ChildInfo(info.id(), info.ref(), info.type(), info.restart(),
                            info.state(), info.restarts(), info.lastExit(), info.circuit(), info.nextRestartIn(),
                            info.incarnation(), Optional.of(t), info.details())));
                } else {
                    parts.add(CompletableFuture.completedFuture(info));
                }
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                    .thenApply(v -> new TreeSnapshot(name, spec.strategy(), !terminating,
                            parts.stream().map(CompletableFuture::join).toList()));
        });
    }

    @Override
    public CompletableFuture<ExitReason> stop() {
        if (loopDone) return termination;
        post(() -> terminate(ExitReason.SHUTDOWN));
        return termination.copy();
    }

    @Override
    public CompletableFuture<ExitReason> termination() { return termination.copy(); }

    /** A running child that is a supervisor, so that snapshots can descend into it. */
    public interface NestedHandle extends RunningChild {
        Supervisor supervisor();
    }

    // ------------------------------------------------------------------ per-child state

    private final class Entry {
        final ChildSpec spec;
        final ChildRef ref;
        final Object argument;
        /** No longer one of the supervisor's children (deleted, or not restarted and so dropped). */
        boolean removed;
        ChildState state = ChildState.STOPPED;
        RunningChild running;
        CompletableFuture<RunningChild> pendingStart;
        CompletableFuture<Void> stopDone;
        Scheduler.Cancellable timer;
        long incarnation;
        long startedAt = -1;
        long nextRestartAt = -1;
        /** The trigger whose pending group restart will start this child, if any. */
        Entry scheduledBy;
        /** This child's timer will run a group restart (its backoff delay is running). */
        boolean restartPending;
        int restarts;
        int attempt;
        ExitReason lastExit;
        Throwable lastStartError;
        CircuitState circuit = CircuitState.CLOSED;

        Entry(ChildSpec spec, ChildRef ref, Object argument) {
            this.spec = spec;
            this.ref = ref;
            this.argument = argument;
        }

        /** Unique within the supervisor: the id, or id#serial in a dynamic supervisor. */
        String name() { return ref.name(); }

        boolean alive() { return running != null || pendingStart != null; }

        void cancelTimer() {
            if (timer != null) { timer.cancel(); timer = null; }
        }

        @Override public String toString() { return name(); }
    }
}

package dev.supervision.process.internal.tree;

import dev.supervision.process.internal.ProcessTimers;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a whole process tree so that nothing of it survives: grandchildren, processes that re-parented
 * to init, and {@code setsid}-detached ones found by their {@link ProcessTag}.
 *
 * <ol>
 *   <li>Snapshot: the roots' descendants (taken before anything is signalled, since a dead parent's
 *       children re-parent) plus the tag scan.
 *   <li>Send the stop signal to every process of the snapshot.
 *   <li>Wait until all are gone or the stop timeout passes. Whenever all known processes are gone before
 *       the deadline, sweep again (descendants, tag scan): stragglers get the stop signal and the rest of
 *       the timeout.
 *   <li>Send SIGKILL to everything still alive plus what a fresh sweep finds, wait up to the kill timeout,
 *       and repeat, {@value #KILL_ROUNDS} rounds at most. What then still lives (uninterruptible sleep) is
 *       reported in {@link StopResult#survivors()}; the stop never hangs.
 * </ol>
 *
 * <p>Threading: {@link #stop} returns at once; the work runs on a new virtual thread, and waiting polls
 * {@code /proc} every {@value #POLL_MILLIS} ms on the given scheduler. {@link ProcessHandle#onExit()} is
 * not used: for a process that is not this JVM's child (every grandchild) the JDK polls on a platform
 * thread with a back-off from 300 ms and never gives up, so an unkillable process would hold a thread
 * for ever. Safe to call from any thread, concurrently.
 *
 * <p>Signals: SIGTERM and SIGKILL go through {@link ProcessHandle#destroy()} and
 * {@link ProcessHandle#destroyForcibly()}; other stop signals through one {@code kill -s NAME pid...}
 * exec per round (Java 21 has no other way without FFM). A failed delivery is logged, listed in
 * {@link StopResult#problems()}, and covered by the SIGKILL escalation. Just before each signal the
 * process's start time is checked, so a reused pid is not signalled; {@code ProcessHandle.destroy} checks
 * it again itself, while for {@code kill -s} a pid reused in the milliseconds between the check and the
 * exec would be (Java 21 offers no pidfd without FFM).
 */
public final class TreeStopper {
    /** The kill timeout when none is given: how long one SIGKILL round waits. */
    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(2);
    public static final int KILL_ROUNDS = 3;
    static final long POLL_MILLIS = 10;

    private static final Logger LOG = LoggerFactory.getLogger(TreeStopper.class);

    /** The stopper every process child uses; polls on the process timer thread. */
    public static final TreeStopper SHARED = new TreeStopper(ProcessTimers.scheduler());

    private final ScheduledExecutorService scheduler;
    private final Duration killTimeout;

    /** A stopper with the {@link #DEFAULT_KILL_TIMEOUT}; see {@link #TreeStopper(ScheduledExecutorService, Duration)}. */
    public TreeStopper(ScheduledExecutorService scheduler) {
        this(scheduler, DEFAULT_KILL_TIMEOUT);
    }

    /**
     * @param scheduler runs the short liveness polls while a stop waits; owned by the caller, who shuts it
     *     down (a stop in progress then fails with {@link java.util.concurrent.RejectedExecutionException})
     * @param killTimeout how long each SIGKILL round waits for the processes to vanish, positive
     * @throws IllegalArgumentException if {@code killTimeout} is not positive
     */
    public TreeStopper(ScheduledExecutorService scheduler, Duration killTimeout) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (killTimeout.isNegative() || killTimeout.isZero()) {
            throw new IllegalArgumentException("killTimeout must be positive, was " + killTimeout);
        }
        this.killTimeout = killTimeout;
    }

    /**
     * Stops the trees of several processes plus every process whose tag matches {@code tagged}.
     *
     * @param roots the processes whose trees to stop (gone ones are skipped)
     * @param tagged which tagged processes belong to what is stopped
     * @param signal the first signal
     * @param stopTimeout how long the processes may take to exit after the signal; zero kills at once
     * @return completes with the result; exceptionally only on an unexpected error (e.g. the scheduler was shut down)
     * @throws IllegalArgumentException if {@code stopTimeout} is negative
     */
    public CompletableFuture<StopResult> stop(Collection<ProcessRef> roots, Predicate<ProcessTag> tagged,
            Signal signal, Duration stopTimeout) {
        return stop(roots, tagged, signal, stopTimeout, 0);
    }

    /**
     * As {@link #stop(Collection, Predicate, Signal, Duration)}, reading only the processes whose pid is at
     * least {@code minPid} (and the roots): for a sweep after an exit, where only processes younger than
     * the one that exited can carry its tag (see {@link PidWrap}). 0 reads every process. Without roots,
     * when few pids were handed out since {@code minPid}, the first look runs on the calling thread, and
     * when it finds nothing the result is complete on return.
     */
    public CompletableFuture<StopResult> stop(Collection<ProcessRef> roots, Predicate<ProcessTag> tagged,
            Signal signal, Duration stopTimeout, long minPid) {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(tagged, "tagged");
        if (stopTimeout.isNegative()) {
            throw new IllegalArgumentException("stopTimeout must not be negative, was " + stopTimeout);
        }
        List<ProcessRef> rootList = List.copyOf(roots);
        if (rootList.isEmpty() && ProcessScan.probes(minPid)) {
            // After an exit, usually nothing is left, and finding that out takes a few small /proc reads:
            // done on the calling thread, so that the exit is reported without a thread hop.
            long start = System.nanoTime();
            if (remaining(rootList, tagged, minPid).isEmpty()) {
                return CompletableFuture.completedFuture(new StopResult(signal, List.of(), List.of(), List.of(),
                        Duration.ofNanos(System.nanoTime() - start), List.of()));
            }
        }
        CompletableFuture<StopResult> result = new CompletableFuture<>();
        Thread.ofVirtual().name("supervision-tree-stop").start(() -> {
            try {
                result.complete(run(rootList, tagged, signal, stopTimeout, minPid));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /**
     * Sends SIGKILL at once, on the calling thread, to the trees of {@code roots} and to every process whose
     * tag matches {@code tagged} (start times checked before each signal): for a stop that must be delivered
     * before the caller returns, as when the JVM may be going down. Waits for nothing; follow it with
     * {@link #stop} to make sure.
     */
    static void killNow(Collection<ProcessRef> roots, Predicate<ProcessTag> tagged) {
        deliver(Signal.KILL, remaining(roots, tagged, 0), new ArrayList<>());
    }

    private StopResult run(List<ProcessRef> roots, Predicate<ProcessTag> tagged, Signal signal, Duration stopTimeout, long minPid) {
        long start = System.nanoTime();
        long deadline = start + stopTimeout.toNanos();
        Set<ProcessRef> signalled = new LinkedHashSet<>();
        Set<ProcessRef> killed = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        Set<ProcessRef> targets = remaining(roots, tagged, minPid);
        while (!targets.isEmpty() && System.nanoTime() - deadline < 0) {
            Set<ProcessRef> fresh = new LinkedHashSet<>(targets);
            fresh.removeAll(signalled);
            deliver(signal, fresh, problems);
            signalled.addAll(fresh);
            targets = remaining(awaitGone(signalled, deadline - System.nanoTime()), tagged, minPid);
        }
        for (int round = 0; round < KILL_ROUNDS && !targets.isEmpty(); round++) {
            deliver(Signal.KILL, targets, problems);
            killed.addAll(targets);
            targets = remaining(awaitGone(killed, killTimeout.toNanos()), tagged, minPid);
        }
        if (!targets.isEmpty()) {
            problems.add("still alive after " + KILL_ROUNDS + " SIGKILL rounds of " + killTimeout.toMillis()
                    + " ms: " + describe(targets));
        }
        return new StopResult(signal, List.copyOf(signalled), List.copyOf(killed), List.copyOf(targets),
                Duration.ofNanos(System.nanoTime() - start), problems);
    }

    /**
     * What is left of the tree: the live ones of {@code from} with their descendants, plus the tag scan.
     * When that finds nothing, a second sweep confirms it: one scan can miss a process caught mid-fork or
     * mid-exec.
     */
    private static Set<ProcessRef> remaining(Collection<ProcessRef> from, Predicate<ProcessTag> tagged, long minPid) {
        Set<ProcessRef> left = ProcessScan.sweep(from, tagged, minPid);
        return left.isEmpty() ? ProcessScan.sweep(from, tagged, minPid) : left;
    }

    /** Waits, without holding a thread, until all are gone or the time is up; returns those still alive. */
    private Set<ProcessRef> awaitGone(Set<ProcessRef> processes, long nanos) {
        long end = System.nanoTime() + Math.max(0, nanos);
        CompletableFuture<Set<ProcessRef>> done = new CompletableFuture<>();
        ScheduledFuture<?> poll = scheduler.scheduleWithFixedDelay(() -> {
            try {
                Set<ProcessRef> alive = alive(processes);
                if (alive.isEmpty() || System.nanoTime() - end >= 0) {
                    done.complete(alive);
                }
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
        try {
            return done.join();
        } finally {
            poll.cancel(false);
        }
    }

    private static Set<ProcessRef> alive(Collection<ProcessRef> processes) {
        Set<ProcessRef> out = new LinkedHashSet<>();
        for (ProcessRef p : processes) {
            if (ProcessScan.isAlive(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static void deliver(Signal signal, Collection<ProcessRef> processes, List<String> problems) {
        if (processes.isEmpty()) {
            return;
        }
        switch (signal) {
            case TERM -> processes.forEach(p -> handle(p).ifPresent(ProcessHandle::destroy));
            case KILL -> processes.forEach(p -> handle(p).ifPresent(ProcessHandle::destroyForcibly));
            default -> killCommand(signal, processes, problems);
        }
    }

    /** A handle to exactly this process, or empty if it is gone or its pid now belongs to another. */
    private static Optional<ProcessHandle> handle(ProcessRef p) {
        Optional<ProcessHandle> h = ProcessHandle.of(p.pid());
        return h.isPresent() && ProcessScan.isAlive(p) ? h : Optional.empty();
    }

    private static void killCommand(Signal signal, Collection<ProcessRef> processes, List<String> problems) {
        List<String> command = new ArrayList<>(List.of("kill", "-s", signal.name()));
        for (ProcessRef p : processes) {
            if (ProcessScan.isAlive(p)) {
                command.add(Long.toString(p.pid()));
            }
        }
        if (command.size() == 3) {
            return;
        }
        try {
            Process kill = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                problems.add("'" + String.join(" ", command) + "' did not finish in 10 s");
            } else if (kill.exitValue() != 0) {
                // Usually a process exited between the liveness check and the signal; escalation covers the rest.
                LOG.debug("'{}' exited {}", String.join(" ", command), kill.exitValue());
            }
        } catch (IOException e) {
            LOG.warn("Cannot send {} with '{}': {}", signal.signalName(), String.join(" ", command), e.toString());
            problems.add("cannot send " + signal.signalName() + " with '" + String.join(" ", command) + "': " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("interrupted while sending " + signal.signalName());
        }
    }

    private static String describe(Set<ProcessRef> processes) {
        StringBuilder sb = new StringBuilder();
        for (ProcessRef p : processes) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append("pid ").append(p.pid());
            ProcessScan.stat(p.pid()).ifPresent(s -> sb.append(" state ").append(s.state()));
        }
        return sb.toString();
    }
}

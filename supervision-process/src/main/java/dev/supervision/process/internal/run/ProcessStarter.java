package dev.supervision.process.internal.run;

import dev.supervision.ChildDetails;
import dev.supervision.process.CannotExecute;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.LaunchPlan;
import dev.supervision.process.internal.launch.Launch;
import dev.supervision.process.internal.memory.GpuMemory;
import dev.supervision.process.internal.memory.GpuReleaseWaiter;
import dev.supervision.process.internal.memory.HostGuards;
import dev.supervision.process.internal.memory.HostMemory;
import dev.supervision.process.internal.memory.HostMemoryWait;
import dev.supervision.process.internal.tree.Orphans;
import dev.supervision.process.internal.tree.ProcessTree;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.ChildStarter;
import dev.supervision.spi.RunningChild;
import dev.supervision.spi.StartProgress;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the incarnations of one process child. {@link #start} returns at once; the launch (the
 * first start's orphan cleanup, the waits for host memory and for a dead tree's GPU memory, the preflight checks, the restart
 * advisor, fork/exec) runs on a virtual thread, and the
 * returned stage completes when the process is ready. Between incarnations it keeps what the
 * advisor needs: the last plan launched and the last crash. The supervisor starts one incarnation at
 * a time; the fields are volatile because each start runs on a new thread.
 */
public final class ProcessStarter implements ChildStarter {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessStarter.class);
    /** One history per state directory and tree, shared by the tree's children (appends are serialized per history). */
    private static final ConcurrentMap<List<Object>, CrashHistory> HISTORIES = new ConcurrentHashMap<>();
    /** The pause between two GPU readings while a dead tree's memory is awaited. */
    private static final Duration GPU_POLL = Duration.ofMillis(250);
    /** How long a cancel waits for the killed process of a start given up on (see {@link #killGivenUp}). */
    private static final Duration GIVEN_UP_WAIT = Duration.ofSeconds(1);

    private final ProcessSpec spec;
    private volatile LaunchPlan plan;
    private volatile Optional<CrashReport> lastCrash = Optional.empty();
    private volatile List<Long> lastPids = List.of();
    private volatile CrashAction lastAction = CrashAction.restart();

    public ProcessStarter(ProcessSpec spec) { this.spec = spec; }

    @Override
    public CompletionStage<RunningChild> start(ChildContext ctx) {
        Launching result = new Launching();
        Thread.ofVirtual().name("supervision-launch-" + ctx.id()).start(() -> {
            try {
                Orphans.cleanOnce(spec.stateDirectory(), ctx.supervisor(), notice -> ctx.notify(notice));
                result.before = "the host's memory after the last crash";
                awaitHostMemory(ctx);
                result.before = "the previous incarnation's GPU memory to be released";
                awaitGpuRelease(ctx);
                result.before = "its preflight checks";
                if (spec.preflight().isPresent()) spec.preflight().get().check(ctx.supervisor());
                result.before = "its launch";
                LaunchPlan next = nextPlan();
                ProcessBuilder pb = new ProcessBuilder(next.argv());
                Map<String, String> env = pb.environment();
                if (!spec.inheritEnvironment()) env.clear();
                env.putAll(spec.environment());
                env.putAll(next.environment());
                ProcessTree tree = ProcessTree.forIncarnation(spec.stateDirectory(), ctx.supervisor(), ctx.id(), ctx.incarnation());
                tree.tag(env);
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                spec.workingDirectory().ifPresent(d -> pb.directory(d.toFile()));
                Process process;
                result.lock.lock();
                try {
                    if (result.isDone()) return;               // cancelled before the launch
                    tree.aboutToLaunch();
                    try {
                        process = Launch.start(pb);
                    } catch (IOException e) {
                        // A program that is missing or not executable fails the same way every time: not retried.
                        Optional<CannotExecute> fatal = CannotExecute.of(next.argv().get(0), e);
                        if (fatal.isPresent()) throw fatal.get();
                        throw e;
                    }
                    tree.launched(process);
                    // Given up on from now on (a start timeout, a stop, the JVM going down): the tree is killed
                    // at once, on the thread that cancels, which waited for this launch (see Launching).
                    Process launched = process;
                    result.whenComplete((v, e) -> {
                        if (result.isCancelled()) killGivenUp(tree, launched);
                    });
                } finally {
                    result.lock.unlock();
                }
                try {
                    ctx.notify(new ProcessEvent.Launched(process.pid(), next.argv()));
                    ProcessRun run = new ProcessRun(spec, ctx, process, tree, result, this);
                    result.run = run;
                    run.begin();
                } catch (Throwable t) {
                    // Launched but not watched: nobody would drain, stop or report it.
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    closeQuietly(process.getInputStream());          // the native launcher's pipes have no cleaner
                    closeQuietly(process.getErrorStream());
                    throw t;
                }
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            LOG.debug("closing an output stream of a process that failed to start failed", e);
        }
    }

    /**
     * Kills the tree of a start the supervisor gave up on, on the cancelling thread. The launched process
     * dies within moments of the SIGKILL (at most {@link #GIVEN_UP_WAIT} is waited for); then its ledger entry
     * goes too, so that nothing of this start writes to the state directory after the supervisor's stop
     * returned. The run's own end (the sweep, the exit) follows as usual.
     */
    private static void killGivenUp(ProcessTree tree, Process process) {
        tree.killNow();
        try {
            process.onExit().get(GIVEN_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            tree.forget();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException stillThere) {
            LOG.warn("pid {} of a start given up on did not die within {} of SIGKILL; its end is awaited as usual",
                    process.pid(), GIVEN_UP_WAIT);
        }
    }

    /**
     * A start's result. Cancelling it (the supervisor giving up on the start) waits for a launch in progress,
     * so that what the launch started is killed by the cancel itself, before the supervisor's stop returns —
     * when the JVM is going down, there is no later.
     */
    private static final class Launching extends CompletableFuture<RunningChild> implements StartProgress {
        final ReentrantLock lock = new ReentrantLock();
        /** What this start waits for before the launch; then the run, which knows its readiness. */
        volatile String before = "its launch";
        volatile ProcessRun run;

        @Override public String waitingFor() {
            ProcessRun r = run;
            return r != null ? r.waitingFor() : before;
        }

        @Override public Optional<ChildDetails> details() {
            ProcessRun r = run;
            return r != null ? r.details() : Optional.empty();
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            lock.lock();
            try {
                return super.cancel(mayInterruptIfRunning);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The advisor's plan for this attempt (the spec's argv without one); becomes the next call's "previous". */
    private LaunchPlan nextPlan() {
        LaunchPlan previous = plan != null ? plan : LaunchPlan.of(spec.argv());
        LaunchPlan next = spec.advisor().isPresent() ? spec.advisor().get().advise(previous, lastCrash) : previous;
        plan = next;
        return next;
    }

    /**
     * Called by a run when it ended: its crash report (empty when it did not crash), the action decided,
     * and the pids of its tree at the last memory sample.
     */
    void ended(Optional<CrashReport> crash, CrashAction action, List<Long> pids) {
        lastCrash = crash;
        lastAction = action;
        lastPids = pids;
    }

    /**
     * After a crash whose action is "wait for memory, then restart": waits, at most the spec's
     * {@link dev.supervision.process.guard.GuardSpec#gpuReleaseTimeout()}, until the host has as much memory
     * available as the tree held at its last sample.
     */
    private void awaitHostMemory(ChildContext ctx) throws InterruptedException {
        CrashAction action = lastAction instanceof CrashAction.Alert a ? a.then() : lastAction;
        lastAction = CrashAction.restart();
        long needed = lastCrash.flatMap(r -> r.rssBytes().isPresent() ? Optional.of(r.rssBytes().getAsLong()) : Optional.empty()).orElse(0L);
        if (!(action instanceof CrashAction.WaitForMemoryThenRestart) || needed <= 0 || spec.guards().gpuReleaseTimeout().isZero()) return;
        Optional<HostMemoryWait.Outcome> o = HostMemoryWait.await(needed, spec.guards().gpuReleaseTimeout(), GPU_POLL,
                HostMemory::read, System::nanoTime, Thread::sleep);
        if (o.isPresent() && !o.get().waited().isZero()) {
            ctx.notify(new ProcessEvent.HostMemoryAwaited(o.get().waited(), o.get().available(), o.get().neededBytes(),
                    o.get().availableBytes()));
        }
    }

    /**
     * On a host with {@code nvidia-smi}, before every start after the first: waits, at most the spec's GPU
     * release timeout, until none of the previous tree's pids (at its last memory sample) holds GPU memory.
     * One {@code nvidia-smi} run when nothing is held; nothing at all without {@code nvidia-smi}.
     */
    private void awaitGpuRelease(ChildContext ctx) throws InterruptedException {
        List<Long> pids = lastPids;
        GpuMemory gpu = HostGuards.gpu(spec.guards().nvidiaSmi());
        if (pids.isEmpty() || !gpu.present() || spec.guards().gpuReleaseTimeout().isZero()) return;
        lastPids = List.of();
        switch (new GpuReleaseWaiter(gpu, GPU_POLL).await(pids, spec.guards().gpuReleaseTimeout())) {
            case GpuReleaseWaiter.Outcome.Released r when r.waited().compareTo(GPU_POLL) < 0 -> { /* nothing was held */ }
            case GpuReleaseWaiter.Outcome.Released r -> ctx.notify(new ProcessEvent.GpuMemoryAwaited(r.waited(), true, Map.of()));
            case GpuReleaseWaiter.Outcome.StillHeld h -> ctx.notify(new ProcessEvent.GpuMemoryAwaited(h.waited(), false, h.bytesByPid()));
            case GpuReleaseWaiter.Outcome.Unsupported u -> { /* GpuMemory reported it once */ }
        }
    }

    /** The tree's crash history, unless the spec turned it off. */
    Optional<CrashHistory> history(String tree) {
        return history(spec, tree);
    }

    /**
     * The crash history a child of {@code spec} writes under the supervisor named {@code tree}, unless the spec
     * turned it off: one handle per file in this JVM, so that a reader sees what the writer synced.
     */
    public static Optional<CrashHistory> history(ProcessSpec spec, String tree) {
        if (!spec.crashHistory()) return Optional.empty();
        Path dir = spec.stateDirectory().toAbsolutePath().normalize();
        return Optional.of(HISTORIES.computeIfAbsent(List.of(dir, tree), k -> CrashHistory.open(dir, tree)));
    }
}

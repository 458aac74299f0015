package dev.supervision.process.internal.run;

import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.process.internal.memory.BatchedSampling;
import dev.supervision.process.internal.memory.CgroupOomKills;
import dev.supervision.process.internal.memory.EmergencyBrake;
import dev.supervision.process.internal.memory.HostGuards;
import dev.supervision.process.internal.memory.MemorySampler;
import dev.supervision.process.internal.memory.TreeGuard;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTree;
import dev.supervision.spi.ChildContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory of one incarnation's process tree: sampled from launch on against the spec's guards (a trip is
 * handed to the run), the tree's place in the host memory floor's brake once ready, what the last sample saw
 * (for the crash report and the sweep after the exit), and the cgroup's OOM-kill counter. Thread-safe.
 */
final class MemoryWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);
    /** When the sample at launch found no resident pages (an exec in progress), the next one comes this soon. */
    private static final Duration LAUNCH_RESAMPLE = Duration.ofMillis(50);

    private final ProcessSpec spec;
    private final ChildContext ctx;
    private final ProcessTree tree;
    private final Process process;
    private final BooleanSupplier ending;
    private final Consumer<GuardTrip> overLimit;
    private final Consumer<GuardTrip> braked;
    private final AtomicBoolean sampleInFlight = new AtomicBoolean();
    /** Samples the tree's memory and checks the spec's limits; set in {@link #start}. */
    private volatile TreeGuard guard;
    /** Stops the memory samples; a no-op until {@link #start} started them. */
    private volatile Runnable stopSampling = () -> {};
    /** Leaves the host memory floor's brake; a no-op without one. */
    private volatile Runnable leaveBrake = () -> {};
    /** The cgroup file with the OOM-kill count, and the count when last read; null / -1 when unknown. */
    private volatile Path oomFile;
    private volatile long oomKillsBefore = -1;

    /**
     * @param overLimit told when a guard's limit is exceeded
     * @param braked    told when the host memory floor's brake chose this tree
     */
    MemoryWatch(ProcessSpec spec, ChildContext ctx, ProcessTree tree, Process process, BooleanSupplier ending,
                Consumer<GuardTrip> overLimit, Consumer<GuardTrip> braked) {
        this.spec = spec;
        this.ctx = ctx;
        this.tree = tree;
        this.process = process;
        this.ending = ending;
        this.overLimit = overLimit;
        this.braked = braked;
    }

    /**
     * Samples the tree from launch on (memory blows up while a model loads, too): every guard interval when
     * a limit is set, else (for the crash report's memory at death only) once at launch and then with every
     * other unguarded tree, in one timer task every {@link BatchedSampling#INTERVAL}. A sample that runs a
     * program ({@code nvidia-smi}, or {@code ps} without {@code /proc}) runs on a virtual thread; one that
     * only reads {@code /proc} (tens of microseconds) runs on the timer thread.
     */
    void start() {
        Optional<ProcessRef> root = tree.root();
        if (root.isEmpty()) return;                  // already gone
        TreeGuard g = new TreeGuard(spec.guards(), HostGuards.gpu(spec.guards().nvidiaSmi()));
        guard = g;
        boolean blocking = spec.guards().gpuMemoryLimitBytes() > 0 || !ProcessScan.procAvailable();   // nvidia-smi, or ps
        Runnable sample = () -> {
            try {
                g.check(root.get()).ifPresent(overLimit);
            } catch (RuntimeException e) {             // a periodic task that throws is never run again
                LOG.warn("process '{}': memory sample failed", ctx.id(), e);
            }
        };
        if (!spec.guards().hasLimits() && !blocking) {
            // The sample at launch can find the process in the middle of its exec (no resident pages yet: not a
            // measurement); then one more a moment later, so that a short-lived process still has its memory in
            // its crash report.
            AtomicReference<ScheduledFuture<?>> first = new AtomicReference<>();
            AtomicBoolean stopped = new AtomicBoolean();
            first.set(ProcessTimers.after(Duration.ZERO, () -> {
                sample.run();
                if (g.lastRssBytes() < 0 && !stopped.get()) {
                    first.set(ProcessTimers.after(LAUNCH_RESAMPLE, () -> {
                        if (!stopped.get() && !ending.getAsBoolean()) sample.run();
                    }));
                }
            }));
            Runnable remove = BatchedSampling.add(() -> {
                if (!ending.getAsBoolean()) sample.run();
            });
            stopSampling = () -> {
                stopped.set(true);
                first.get().cancel(false);
                remove.run();
            };
            return;
        }
        ScheduledFuture<?> timer = ProcessTimers.every(Duration.ZERO, spec.guards().hasLimits() ? spec.guards().interval()
                : BatchedSampling.INTERVAL, () -> {
            if (ending.getAsBoolean()) return;
            if (!blocking) {
                sample.run();
                return;
            }
            if (!sampleInFlight.compareAndSet(false, true)) return;
            Thread.ofVirtual().name("supervision-guard-" + ctx.id()).start(() -> {
                try {
                    sample.run();
                } finally {
                    sampleInFlight.set(false);
                }
            });
        });
        stopSampling = () -> timer.cancel(false);
    }

    /**
     * Once ready, the tree is a candidate of the host memory floor's brake (a starting tree is not: restarting
     * a model while it loads only thrashes, and its start would fail).
     */
    void joinBrake() {
        Optional<ProcessRef> root = tree.root();
        if (spec.hostMemoryFloor().isEmpty() || root.isEmpty()) return;
        leaveBrake = HostGuards.brake(spec.hostMemoryFloor().get()).join(new EmergencyBrake.Candidate() {
            @Override public String name() { return ctx.id(); }
            @Override public Optional<MemorySampler.TreeMemory> memory() {
                return ending.getAsBoolean() ? Optional.empty() : MemorySampler.sample(root.get());
            }
            @Override public void restart(GuardTrip trip) { braked.accept(trip); }
        }, ctx);
        if (ending.getAsBoolean() || !process.isAlive()) leaveBrake.run();     // ended meanwhile
    }

    /** Stops sampling and leaves the brake. */
    void stop() {
        stopSampling.run();
        leaveBrake.run();
    }

    /** The pids of the tree at the last sample (empty before the first). */
    List<Long> lastPids() {
        TreeGuard g = guard;
        return g == null ? List.of() : g.lastPids();
    }

    /** The members of the tree at the last sample, by pid and start time (empty before the first). */
    List<ProcessRef> lastMembers() {
        TreeGuard g = guard;
        return g == null ? List.of() : g.lastMembers();
    }

    /** The tree's RSS and GPU memory at the last sample; negative when not measured. */
    long lastRssBytes() {
        TreeGuard g = guard;
        return g == null ? -1 : g.lastRssBytes();
    }

    long lastGpuBytes() {
        TreeGuard g = guard;
        return g == null ? -1 : g.lastGpuBytes();
    }

    /** Resolves the cgroup OOM-kill counter of the process and remembers its current value. */
    void readOomKills() {
        readOomKills(CgroupOomKills.eventsFile(process.pid()));
    }

    /** Remembers the current OOM-kill count in {@code file}, the process's cgroup file (none: nothing to remember). */
    void readOomKills(Optional<Path> file) {
        if (file.isEmpty()) return;
        OptionalLong n = CgroupOomKills.count(file.get());
        if (n.isEmpty()) return;
        oomFile = file.get();
        oomKillsBefore = n.getAsLong();
    }

    /**
     * For a SIGKILL death: a rise of the cgroup's OOM-kill count confirms the kernel's OOM killer (a
     * kernel-counter match in {@code c}); otherwise says, for the evidence, why an OOM kill is not confirmed.
     * Empty for any other end.
     */
    String checkOomKill(CrashClassifier c, ExitStatus status) {
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
}

package dev.supervision.process.internal.memory;

import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.internal.tree.ProcessRef;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-child guards of a {@link GuardSpec}: tree RSS limit and tree GPU memory limit, checked against
 * one root process. Call {@link #check} every {@link GuardSpec#interval()} while the child runs; it
 * blocks for a few file reads, plus one {@code nvidia-smi} run when a GPU limit is set, so call it from a
 * virtual thread or the child's own timer thread, not a supervisor's loop. Thread-safe.
 *
 * <p>It remembers the processes, RSS and GPU memory of the last tree it saw ({@link #lastMembers()}; the crash
 * report uses them too): after a crash the root is gone and its descendants cannot be found through it any
 * more, but {@link GpuReleaseWaiter} needs them, and the sweep after the exit stops those that dropped the tag.
 * Without {@code nvidia-smi} the GPU limit never trips and is reported unsupported once (by {@link GpuMemory}).
 */
public final class TreeGuard {
    private final GuardSpec spec;
    private final GpuMemory gpu;
    private volatile List<ProcessRef> lastMembers = List.of();
    private volatile long lastRssBytes = -1;
    private volatile long lastGpuBytes = -1;

    /**
     * @param spec the limits
     * @param gpu  GPU readings, used only when the spec has a GPU limit
     */
    public TreeGuard(GuardSpec spec, GpuMemory gpu) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.gpu = Objects.requireNonNull(gpu, "gpu");
    }

    /** The first limit the tree of {@code root} exceeds now (RSS checked first), or empty. */
    public Optional<GuardTrip> check(ProcessRef root) {
        Optional<MemorySampler.TreeMemory> m = MemorySampler.sample(root);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        if (m.get().rssBytes() == 0) {
            // A live process always has resident pages; none means the tree is tearing down its memory as it
            // exits (the kernel shows 0 once the address space is gone). Not a measurement: the last real one stays.
            return Optional.empty();
        }
        List<Long> pids = m.get().pids();
        lastMembers = m.get().members();
        lastRssBytes = m.get().rssBytes();
        if (spec.treeRssLimitBytes() > 0 && m.get().rssBytes() > spec.treeRssLimitBytes()) {
            return Optional.of(new GuardTrip(GuardTrip.Kind.RSS_LIMIT, m.get().rssBytes(), spec.treeRssLimitBytes(), pids));
        }
        if (spec.gpuMemoryLimitBytes() > 0 && gpu.read() instanceof GpuMemory.Reading.Apps apps) {
            long used = apps.sum(pids);
            lastGpuBytes = used;
            if (used > spec.gpuMemoryLimitBytes()) {
                return Optional.of(new GuardTrip(GuardTrip.Kind.GPU_LIMIT, used, spec.gpuMemoryLimitBytes(), pids));
            }
        }
        return Optional.empty();
    }

    /** The tree's RSS at the last {@link #check} that found it alive, -1 before. */
    public long lastRssBytes() {
        return lastRssBytes;
    }

    /** The tree's GPU memory at the last {@link #check} that read it (only with a GPU limit), -1 if never read. */
    public long lastGpuBytes() {
        return lastGpuBytes;
    }

    /** The pids of the tree at the last {@link #check} that found it alive, root first; empty before. */
    public List<Long> lastPids() {
        return lastMembers.stream().map(ProcessRef::pid).toList();
    }

    /** The processes of the tree at the last {@link #check} that found it alive, root first; empty before. */
    public List<ProcessRef> lastMembers() {
        return lastMembers;
    }
}

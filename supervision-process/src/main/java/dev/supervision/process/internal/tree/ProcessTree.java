package dev.supervision.process.internal.tree;

import dev.supervision.process.StopSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process tree of one incarnation of a process child: its tag, its ledger entry, and how to stop
 * all of it (the launched process, its descendants, and whatever carries its tag, detached or not).
 * Thread-safe.
 */
public final class ProcessTree {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessTree.class);
    private static final Map<Path, Ledger> LEDGERS = new ConcurrentHashMap<>();

    private final Ledger ledger;
    private final ProcessTag tag;
    private volatile ProcessRef launched;
    /** {@link PidWrap#epoch()} when the process was launched. */
    private volatile long wrapEpoch;

    private ProcessTree(Ledger ledger, ProcessTag tag) {
        this.ledger = ledger;
        this.tag = tag;
    }

    public static ProcessTree forIncarnation(Path stateDir, String tree, String child, long incarnation) {
        return new ProcessTree(ledger(stateDir, tree), ProcessTag.of(tree, child, incarnation));
    }

    /** The ledger of {@code tree} under {@code stateDir}, one instance per file in this JVM. */
    static Ledger ledger(Path stateDir, String tree) {
        Path key = stateDir.toAbsolutePath().normalize().resolve(Ledger.fileName(tree));
        return LEDGERS.computeIfAbsent(key, k -> new Ledger(stateDir, tree));
    }

    /** The launched process, once {@link #launched} found it alive. */
    public Optional<ProcessRef> root() { return Optional.ofNullable(launched); }

    /** Adds the tag to the environment the process will be launched with. */
    public void tag(Map<String, String> environment) { tag.applyTo(environment); }

    /** Call just before the launch: notes the pid counter's wraps so far (see {@link #sweep}). */
    public void aboutToLaunch() {
        wrapEpoch = PidWrap.epoch();
    }

    /** Records the launched process in the ledger (one append, before anything else happens). */
    public void launched(Process process) {
        Optional<ProcessRef> ref = ProcessScan.ref(process.pid());
        if (ref.isEmpty()) return;            // already gone: nothing can be orphaned by it
        launched = ref.get();
        ledger.record(launched, tag);
    }

    /**
     * Stops the whole tree: {@code signal}, then SIGKILL after {@code grace}. The launched process is known by
     * its pid and start time as read at the launch, so that once it is reaped, a process that got its pid
     * is neither signalled nor taken for its parent; the tag scan finds the rest.
     */
    public CompletableFuture<StopResult> stop(StopSignal signal, Duration grace) {
        ProcessRef ref = launched;
        return TreeStopper.SHARED.stop(ref == null ? List.of() : List.of(ref), tag::equals, Signal.valueOf(signal.name()), grace);
    }

    /** SIGKILLs the whole tree at once, on the calling thread (see {@link TreeStopper#killNow}). */
    public void killNow() {
        ProcessRef ref = launched;
        TreeStopper.killNow(ref == null ? List.of() : List.of(ref), tag::equals);
    }

    /**
     * After the launched process exited and was reaped: stops whatever else still carries the tag, and the
     * trees of {@code lastSeen} (the members of the tree at its last sample, by pid and start time: those
     * that dropped the tag, by a fresh environment, are found only so). Only processes younger than the
     * launched one can carry the tag, so only pids above its own are read when {@link PidWrap} says that is
     * safe (none at all when no pid was handed out since).
     */
    public CompletableFuture<StopResult> sweep(StopSignal signal, Duration grace, List<ProcessRef> lastSeen) {
        ProcessRef ref = launched;
        long floor = ref == null ? 0 : PidWrap.floor(ref.pid(), wrapEpoch);
        long minPid = floor == 0 ? 0 : floor + 1;
        // Only those still alive (one stat each): usually none, and then the sweep keeps its fast path.
        List<ProcessRef> roots = lastSeen.stream().filter(p -> !p.equals(ref) && ProcessScan.isAlive(p)).toList();
        return TreeStopper.SHARED.stop(roots, tag::equals, Signal.valueOf(signal.name()), grace, minPid);
    }

    /**
     * Drops the ledger entry once nothing of the tree is left. A ledger that cannot be written (its directory
     * deleted, the disk full) is logged and otherwise ignored: the entry stays, and the next orphan cleanup
     * finds its process gone by the start time.
     */
    public void forget() {
        ProcessRef ref = launched;
        if (ref == null) return;
        try {
            ledger.remove(ref);
        } catch (RuntimeException e) {
            LOG.error("cannot remove pid {} (child '{}' of tree '{}') from the ledger: {}", ref.pid(), tag.child(), tag.tree(), e.toString());
        }
    }
}

package dev.supervision.examples.bench;

import dev.supervision.process.internal.memory.MemorySampler;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the memory guards cost: the tree RSS of 100 real process trees (95 {@code sleep}s and 5
 * {@code bash} parents with two {@code sleep} children each: 110 processes) sampled once a second, as a
 * process child's guard does. Three phases of the same length run one after another on the same thread
 * of this JVM: the baseline (the same once-a-second loop doing nothing), {@link MemorySampler#sample}
 * (the guard's way), and, for comparison, {@link ProcessHandle#descendants()} plus the same RSS reads
 * (a scan of the whole of {@code /proc} per tree). The cost is the CPU time of the sampling thread (user +
 * system, from {@link ThreadMXBean}) over the wall time: the share of one core. Each phase first runs 300
 * unmeasured rounds back to back (at most 15 s) (a guard runs for hours, so compiled code is what counts; the first
 * interpreted rounds cost ten times more). Everything started is killed
 * at the end, also on failure.
 *
 * <pre>./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -pl supervision-examples exec:exec@bench-guards</pre>
 *
 * Arguments: seconds per phase (default 20), number of trees (default 100). Linux only (it reads {@code /proc}).
 */
public final class GuardCostBench {
    private GuardCostBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int trees = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        if (!ProcessScan.procAvailable() || !ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported()) {
            System.out.println("GuardCostBench needs /proc (Linux) and thread CPU time");
            return;
        }
        List<Process> started = new ArrayList<>();
        try {
            List<ProcessRef> roots = new ArrayList<>();
            for (int i = 0; i < trees; i++) {
                Process p = i % 20 == 0
                        ? new ProcessBuilder("bash", "-c", "sleep 600 & sleep 600 & wait").start()
                        : new ProcessBuilder("sleep", "600").start();
                started.add(p);
                roots.add(ProcessScan.ref(p.pid()).orElseThrow());
            }
            long processes = countUntilStable(roots);
            System.out.printf("%d trees, %d processes, %d s per phase%n", trees, processes, seconds);
            Phase idle = run("baseline (idle loop)", seconds, roots, r -> { });
            Phase sampler = run("MemorySampler.sample", seconds, roots, r -> sink += MemorySampler.sample(r).map(MemorySampler.TreeMemory::rssBytes).orElse(0L));
            Phase scan = run("ProcessScan.tree + statm", seconds, roots, GuardCostBench::viaDescendants);
            for (Phase p : List.of(idle, sampler, scan)) {
                System.out.println(p.report(trees));
            }
        } finally {
            for (Process p : started) {
                List<ProcessHandle> children = p.descendants().toList();
                p.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
            }
            for (Process p : started) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static long countUntilStable(List<ProcessRef> roots) {
        long n = 0;
        for (int attempt = 0; attempt < 50; attempt++) {
            long now = roots.stream().mapToLong(r -> MemorySampler.sample(r).map(m -> m.pids().size()).orElse(0)).sum();
            if (now == n && n > 0) {
                return n;
            }
            n = now;
            pause(100_000_000L);
        }
        return n;
    }

    /** The tree as {@link ProcessScan#tree} finds it (descendants() reads every process's stat), then statm. */
    private static void viaDescendants(ProcessRef root) {
        long pages = 0;
        for (ProcessRef r : ProcessScan.tree(root)) {
            try {
                String statm = Files.readString(Path.of("/proc", Long.toString(r.pid()), "statm"));
                pages += Long.parseLong(statm.split(" ")[1]);
            } catch (IOException | RuntimeException e) {
                // gone meanwhile: counts 0, as in MemorySampler
            }
        }
        sink += pages;
    }

    /** Keeps the comparison's result alive. */
    private static long sink;

    private record Phase(String name, long[] roundCpuNanos, long cpuNanos, long wallNanos) {
        String report(int trees) {
            long[] sorted = roundCpuNanos.clone();
            Arrays.sort(sorted);
            long median = sorted[sorted.length / 2];
            long p90 = sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.9))];
            return String.format("%-24s rounds %3d  CPU per round: median %8.1f us, p90 %8.1f us (%6.2f us per tree)"
                            + "  share of one core %.4f %%",
                    name, roundCpuNanos.length, median / 1e3, p90 / 1e3, median / 1e3 / trees,
                    100.0 * cpuNanos / wallNanos);
        }
    }

    /** Unmeasured back-to-back rounds before each phase, so that the JIT has compiled the sampling code. */
    private static final int WARM_UP_ROUNDS = 300;
    /** At most this long, for the slow comparison. */
    private static final long WARM_UP_LIMIT_NANOS = 15_000_000_000L;

    private static Phase run(String name, int seconds, List<ProcessRef> roots, Consumer<ProcessRef> sample) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long warmUpEnd = System.nanoTime() + WARM_UP_LIMIT_NANOS;
        for (int i = 0; i < WARM_UP_ROUNDS && System.nanoTime() - warmUpEnd < 0; i++) {   // a guard runs for hours: measure compiled code
            for (ProcessRef r : roots) {
                sample.accept(r);
            }
        }
        long[] rounds = new long[seconds];
        long wall0 = System.nanoTime();
        long cpu0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < seconds; i++) {
            long c = mx.getCurrentThreadCpuTime();
            for (ProcessRef r : roots) {
                sample.accept(r);
            }
            rounds[i] = mx.getCurrentThreadCpuTime() - c;
            pause(wall0 + (i + 1) * 1_000_000_000L - System.nanoTime());
        }
        return new Phase(name, rounds, mx.getCurrentThreadCpuTime() - cpu0, System.nanoTime() - wall0);
    }

    private static void pause(long nanos) {
        if (nanos > 0) {
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}

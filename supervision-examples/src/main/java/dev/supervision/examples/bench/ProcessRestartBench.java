package dev.supervision.examples.bench;

import dev.supervision.Backoff;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.internal.tree.Ledger;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.internal.tree.Signal;
import dev.supervision.process.internal.tree.TreeStopper;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import java.io.File;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * OS process exit → replacement launched: a process child ({@code ProcessSpec}) under a ONE_FOR_ONE supervisor
 * against a bare {@code ProcessBuilder.start()} + {@code onExit()} loop, measured in the same run.
 *
 * <p><b>What is measured.</b> Each cycle kills the running {@code sleep 100000} with SIGKILL and
 * measures from just before the signal is sent until the replacement has been launched. The child is
 * killed rather than made to exit by itself, so that both sides measure exactly the same interval
 * (exit → detection → relaunch) without the child's own run time in it, and so that the supervised
 * child takes its ordinary path: it is ready (started) when it dies, and its death is a crash that
 * ONE_FOR_ONE restarts. Both sides launch the same argv with stdin from {@code /dev/null} and stdout and
 * stderr on pipes.
 * <ul>
 *   <li><b>bare</b>: one thread runs {@code p.toHandle().destroyForcibly(); p.onExit().join(); p =
 *       pb.start()}; the cycle ends when {@code start()} returns (the JDK returns once the child has
 *       exec'd).
 *   <li><b>supervised</b>: a {@code ProcessSpec} with output discarded, no tail,
 *       {@code startSeconds} zero, intensity {@code Integer.MAX_VALUE} per second; the cycle ends when a
 *       supervisor listener sees {@link ProcessEvent.Launched} of the replacement ({@code System.nanoTime}
 *       in the listener, which runs on the supervisor's loop, so the hop to the loop is included: an
 *       upper bound). The listener hands a cycle's marks to the harness only once the cycle is complete, so
 *       the harness thread is not woken during the measured interval (the bare loop's never is either). The next cycle waits for {@code ChildStarted}, outside the measured interval. The
 *       supervisor sometimes reports {@code ChildStarted} before the {@code Launched} notice (when the start
 *       completes before the loop has registered for it, the loop runs that completion ahead of queued
 *       notices); such a cycle is still counted, with {@code Launched} as late as the listener saw it. Run
 *       twice: with the state directory (the orphan ledger, appended on every launch and exit, and the
 *       crash history, appended before each exit is reported and fsynced 20 ms later) in a temporary directory on the
 *       disk, as in production, and on {@code /dev/shm} (tmpfs, fsync is free) to show what the disk costs.
 * </ul>
 * The sides take turns in rounds so that a change in the machine's load hits all of them; every side
 * first runs {@value #WARMUP} warm-up cycles, so that what is measured is the steady state: the supervised
 * path is Java code that the JIT compiles over the first thousands of cycles (on a machine with two cores
 * the compiler threads take one of them meanwhile), while the bare loop's {@code start()} is mostly the
 * JDK's C code (it gains from the warm-up too: the compiler threads stop competing for the cores). The
 * JIT's compile time during the measured rounds is printed (it falls as the warm-up grows: about 1.4 s at
 * 3,000 cycles, 0.7 s at 6,000 on the 2-core build machine), and the first {@value #EARLY} warm-up cycles of
 * the bare and the disk side are reported apart, as what a restart costs right after the JVM started.
 *
 * <p><b>Phase profile.</b> The supervised interval is split at the supervisor's events
 * ({@code ChildExited}, {@code RestartScheduled}, {@code Launched}), the bare one at {@code onExit()};
 * then the parts of the restart path are timed on their own: the tag scan of {@code /proc}
 * ({@link ProcessScan#scan}), the tree sweep that runs it after every exit ({@link TreeStopper} with
 * nothing to find; every process read, and only those younger than a just-started one, as after an exit),
 * and the ledger's append on launch ({@link Ledger#record}) and on exit
 * ({@link Ledger#remove}).
 *
 * <p>Run: {@code ./mvnw -q -pl supervision-examples -am install -DskipTests && ./mvnw -q -pl
 * supervision-examples exec:exec@bench-restart}. Every process it starts is killed before it ends,
 * also on failure.
 */
public final class ProcessRestartBench {
    private static final List<String> COMMAND = List.of("sleep", "100000");
    private static final int WARMUP = 6000;
    /** The first warm-up cycles, recorded apart: the restart path before the JIT has compiled it. */
    private static final int EARLY = 300;
    private static final int ROUNDS = 5;
    private static final int CYCLES_PER_ROUND = 200;
    private static final int COMPONENT_REPEATS = 300;
    private static final long EVENT_TIMEOUT_SECONDS = 30;

    private ProcessRestartBench() {}

    public static void main(String[] args) throws Exception {
        System.out.printf("ProcessRestartBench: SIGKILL of `%s` -> replacement launched; %d rounds x %d cycles per side after %d warm-up%n",
                String.join(" ", COMMAND), ROUNDS, CYCLES_PER_ROUND, WARMUP);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average at start "
                + loadAverage() + ", java " + Runtime.version());
        Path diskState = Files.createTempDirectory("procbench-state-");
        Path shm = Path.of("/dev/shm");
        Path tmpfsState = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "procbench-state-") : null;
        try {
            run(diskState, tmpfsState);
        } finally {
            deleteTree(diskState);
            if (tmpfsState != null) deleteTree(tmpfsState);
        }
        System.out.println("load average at end " + loadAverage());
    }

    private static void run(Path diskState, Path tmpfsState) throws Exception {
        Samples bare = new Samples();
        Samples bareDetect = new Samples();
        Samples bareSpawn = new Samples();
        SupervisedSamples disk = new SupervisedSamples();
        SupervisedSamples tmpfs = new SupervisedSamples();
        Samples earlyBare = new Samples();
        SupervisedSamples earlyDisk = new SupervisedSamples();
        long jitDuringRounds;
        try (BareLoop bareLoop = new BareLoop();
             SupervisedLoop diskLoop = new SupervisedLoop("procbench-disk", diskState);
             SupervisedLoop tmpfsLoop = tmpfsState == null ? null : new SupervisedLoop("procbench-tmpfs", tmpfsState)) {
            for (int i = 0; i < WARMUP; i++) {
                bareLoop.cycle(i < EARLY ? earlyBare : new Samples(), new Samples(), new Samples());
                diskLoop.cycle(i < EARLY ? earlyDisk : new SupervisedSamples());
                if (tmpfsLoop != null) tmpfsLoop.cycle(new SupervisedSamples());
            }
            long compiledBefore = jitMillis();
            for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < CYCLES_PER_ROUND; i++) bareLoop.cycle(bare, bareDetect, bareSpawn);
                for (int i = 0; i < CYCLES_PER_ROUND; i++) diskLoop.cycle(disk);
                if (tmpfsLoop != null) {
                    for (int i = 0; i < CYCLES_PER_ROUND; i++) tmpfsLoop.cycle(tmpfs);
                }
                System.out.printf(Locale.ROOT, "round %d: median bare %.3f ms, supervised %.3f ms (load %s)%n", r + 1,
                        bare.medianMillis(), disk.total.medianMillis(), loadAverage());
            }
            jitDuringRounds = jitMillis() - compiledBefore;
        }

        System.out.println();
        System.out.println("exit -> replacement launched, ms        median      p90      p99   ratio to bare (median)");
        row("bare ProcessBuilder loop", bare, bare);
        row("supervised, ledger on disk", disk.total, bare);
        if (tmpfsState != null) row("supervised, ledger on tmpfs", tmpfs.total, bare);
        System.out.printf(Locale.ROOT, "JIT compilation during the measured rounds: %d ms%n", jitDuringRounds);
        System.out.println("the first " + EARLY + " warm-up cycles (the JIT still compiling the restart path, on a core of its own):");
        row("  bare ProcessBuilder loop", earlyBare, earlyBare);
        row("  supervised, ledger on disk", earlyDisk.total, earlyBare);

        System.out.println();
        System.out.println("phases (ms)                                median      p90      p99");
        System.out.println("bare:   SIGKILL -> onExit()             " + bareDetect.summary());
        System.out.println("bare:   onExit() -> start() returned    " + bareSpawn.summary());
        System.out.println("ours:   SIGKILL -> ChildExited          " + disk.exited.summary()
                + "   (reaper sees the exit, sweep of younger pids, output EOF, crash report + history write, ledger '-', hop to the loop)");
        System.out.println("ours:   ChildExited -> RestartScheduled " + disk.scheduled.summary());
        System.out.println("ours:   RestartScheduled -> Launched    " + disk.launched.summary()
                + "   (launch thread, fork/exec, ledger '+', hop to the loop)");
        if (tmpfsState != null) {
            System.out.println("tmpfs:  SIGKILL -> ChildExited          " + tmpfs.exited.summary());
            System.out.println("tmpfs:  RestartScheduled -> Launched    " + tmpfs.launched.summary());
        }
        components(diskState, tmpfsState);
    }

    private static void row(String name, Samples s, Samples bare) {
        System.out.printf(Locale.ROOT, "%-38s %s   %.2f%n", name, s.summary(), s.medianMillis() / bare.medianMillis());
    }

    /** Times the parts of the restart path on their own. */
    private static void components(Path diskState, Path tmpfsState) throws IOException, InterruptedException {
        ProcessTag nobody = ProcessTag.of("procbench-nobody", "none", 1);
        Predicate<ProcessTag> matchesNobody = nobody::equals;
        long processes;
        try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
            processes = proc.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).count();
        } catch (IOException e) {
            processes = -1;
        }
        for (int i = 0; i < COMPONENT_REPEATS; i++) ProcessScan.scan(matchesNobody);        // warm-up
        Samples scan = new Samples();
        for (int i = 0; i < COMPONENT_REPEATS; i++) {
            long t0 = System.nanoTime();
            ProcessScan.scan(matchesNobody);
            scan.add(System.nanoTime() - t0);
        }
        Samples sweep = new Samples();
        Samples youngSweep = new Samples();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            TreeStopper stopper = new TreeStopper(timer);
            for (int i = 0; i < COMPONENT_REPEATS; i++) {
                long t0 = System.nanoTime();
                stopper.stop(List.of(), matchesNobody, Signal.TERM, Duration.ofSeconds(10)).join();
                sweep.add(System.nanoTime() - t0);
            }
            // As after an exit: only pids above a process just started are read (PidWrap).
            Process recent = new ProcessBuilder("true").start();
            recent.waitFor();
            for (int i = 0; i < COMPONENT_REPEATS; i++) {
                long t0 = System.nanoTime();
                stopper.stop(List.of(), matchesNobody, Signal.TERM, Duration.ofSeconds(10), recent.pid() + 1).join();   // as ProcessTree.sweep: above the reaped root
                youngSweep.add(System.nanoTime() - t0);
            }
        } finally {
            timer.shutdownNow();
        }
        System.out.println();
        System.out.println("parts of the restart path, on their own (ms)  median      p90      p99");
        System.out.println("tag scan of /proc (" + processes + " processes)          " + scan.summary());
        System.out.println("tree sweep, every process read, nothing found  " + sweep.summary());
        System.out.println("tree sweep after an exit (younger pids only)   " + youngSweep.summary());
        ledger("disk", diskState.resolve("ledger-bench"));
        if (tmpfsState != null) ledger("tmpfs", tmpfsState.resolve("ledger-bench"));
    }

    private static void ledger(String where, Path dir) {
        Ledger ledger = new Ledger(dir, "ledger-bench");
        ProcessTag tag = ProcessTag.of("ledger-bench", "child", 1);
        long pid = ProcessHandle.current().pid();
        Samples record = new Samples();
        Samples remove = new Samples();
        for (int i = 0; i < COMPONENT_REPEATS; i++) {
            ProcessRef ref = new ProcessRef(pid, i);
            long t0 = System.nanoTime();
            ledger.record(ref, tag);
            long t1 = System.nanoTime();
            ledger.remove(ref);
            long t2 = System.nanoTime();
            record.add(t1 - t0);
            remove.add(t2 - t1);
        }
        System.out.printf(Locale.ROOT, "ledger record (append), %-5s                %s%n", where, record.summary());
        System.out.printf(Locale.ROOT, "ledger remove (append), %-5s                %s%n", where, remove.summary());
    }

    /** The bare baseline: one process at a time, killed, awaited with {@code onExit()}, started again. */
    private static final class BareLoop implements AutoCloseable {
        private final ProcessBuilder builder = new ProcessBuilder(COMMAND)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        private Process current;

        BareLoop() throws IOException {
            current = builder.start();
        }

        void cycle(Samples total, Samples detect, Samples spawn) throws IOException {
            Process dying = current;
            long t0 = System.nanoTime();
            dying.toHandle().destroyForcibly();
            dying.onExit().join();
            long exited = System.nanoTime();
            current = builder.start();
            long launched = System.nanoTime();
            total.add(launched - t0);
            detect.add(exited - t0);
            spawn.add(launched - exited);
            dying.getInputStream().close();
            dying.getErrorStream().close();
            dying.getOutputStream().close();
        }

        @Override
        public void close() {
            current.destroyForcibly();
            current.onExit().join();
        }
    }

    /** What a supervised cycle records: the whole interval and its parts, split at the supervisor's events. */
    private static final class SupervisedSamples {
        final Samples total = new Samples();
        final Samples exited = new Samples();
        final Samples scheduled = new Samples();
        final Samples launched = new Samples();
    }

    /** One supervisor with one process child; its listener queues the events a cycle waits for. */
    private static final class SupervisedLoop implements AutoCloseable {
        private enum Kind { LAUNCHED, STARTED, EXITED, SCHEDULED }

        private record Mark(Kind kind, long nanos, long pid) {}

        /** Filled by the supervisor's loop (one thread) and handed over whole: one wake-up of the harness per cycle. */
        private final BlockingQueue<Map<Kind, Mark>> cycles = new LinkedBlockingQueue<>();
        private Map<Kind, Mark> current = new EnumMap<>(Kind.class);
        private final Supervisor supervisor;
        private long pid;

        SupervisedLoop(String name, Path stateDirectory) throws InterruptedException {
            ProcessSpec spec = ProcessSpec.builder("sleeper")
                    .command(COMMAND)
                    .startSeconds(Duration.ZERO)
                    .output(OutputSpec.builder().sinks(OutputSink.discard()).tailLines(0).build())
                    .stateDirectory(stateDirectory)
                    .build();
            supervisor = Supervisor.start(SupervisorSpec.builder(name)
                    .strategy(Strategy.ONE_FOR_ONE)
                    .intensity(Integer.MAX_VALUE, Duration.ofSeconds(1))
                    .shutdownHook(false)
                    .listener(this::onEvent)
                    .child(spec.toBuilder().backoff(Backoff.none()))      // OTP: restart at once, as the bare loop does
                    .build());
            Map<Kind, Mark> first = cycles.poll(EVENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (first == null) throw new IllegalStateException("the first start was not reported within " + EVENT_TIMEOUT_SECONDS + " s");
            pid = first.get(Kind.LAUNCHED).pid();
        }

        /**
         * Runs on the supervisor's loop thread. Collects one cycle's marks (in whatever order they come) and
         * hands them over once the cycle is complete (the first start: LAUNCHED and STARTED only), so that
         * the harness thread is not woken while the restart is being measured.
         */
        private void onEvent(SupervisorEvent event) {
            long now = System.nanoTime();
            Mark m = switch (event) {
                case SupervisorEvent.ChildNoticed n when n.notice() instanceof ProcessEvent.Launched l -> new Mark(Kind.LAUNCHED, now, l.pid());
                case SupervisorEvent.ChildStarted s -> new Mark(Kind.STARTED, now, 0);
                case SupervisorEvent.ChildExited x -> new Mark(Kind.EXITED, now, 0);
                case SupervisorEvent.RestartScheduled r -> new Mark(Kind.SCHEDULED, now, 0);
                default -> null;
            };
            if (m == null) return;
            if (current.putIfAbsent(m.kind(), m) != null) {
                throw new IllegalStateException("a second " + m.kind() + " in one cycle; seen " + current);
            }
            boolean firstStart = !current.containsKey(Kind.EXITED) && !current.containsKey(Kind.SCHEDULED);
            if (current.size() == Kind.values().length || firstStart && current.size() == 2) {
                cycles.add(current);
                current = new EnumMap<>(Kind.class);
            }
        }

        void cycle(SupervisedSamples samples) throws InterruptedException {
            ProcessHandle running = ProcessHandle.of(pid)
                    .orElseThrow(() -> new IllegalStateException("supervised pid " + pid + " is gone before it was killed"));
            long t0 = System.nanoTime();
            running.destroyForcibly();
            Map<Kind, Mark> seen = awaitAll();
            pid = seen.get(Kind.LAUNCHED).pid();
            long exited = seen.get(Kind.EXITED).nanos();
            long scheduled = seen.get(Kind.SCHEDULED).nanos();
            long launched = seen.get(Kind.LAUNCHED).nanos();
            samples.total.add(launched - t0);
            samples.exited.add(exited - t0);
            samples.scheduled.add(scheduled - exited);
            samples.launched.add(launched - scheduled);
        }

        /** One mark of each kind, collected by {@link #onEvent} (see the class documentation on their order). */
        private Map<Kind, Mark> awaitAll() throws InterruptedException {
            Map<Kind, Mark> seen = cycles.poll(EVENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (seen == null) throw new IllegalStateException("no complete cycle within " + EVENT_TIMEOUT_SECONDS + " s");
            return seen;
        }

        @Override
        public void close() {
            supervisor.stop().orTimeout(60, TimeUnit.SECONDS).join();
        }
    }

    /** Milliseconds the JIT compilers have spent so far, -1 if the JVM does not say. */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

package dev.supervision.examples.bench;

import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Footprint of a JVM supervising {@value #CHILDREN} idle {@code sleep 100000} processes, against a plain
 * Java program holding as many, measured in the same run.
 *
 * <p><b>How.</b> For each set of JVM flags the harness starts two JVMs of this class with exactly those
 * flags and the same class path, at the same time:
 * <ul>
 *   <li><b>baseline</b> ({@code FootprintBench baseline}): starts the processes with {@link ProcessBuilder}
 *       and drains each one's stdout and stderr on a platform thread of its own with the default stack, as
 *       a naive program would;
 *   <li><b>supervised</b> ({@code FootprintBench supervised <stateDir>}): one ONE_FOR_ONE
 *       {@link Supervisor} with {@value #CHILDREN} process children ({@code ProcessSpec}) with the default output
 *       handling ({@code startSeconds} zero so that the start does not take 100 s).
 * </ul>
 * Each prints a line when all its processes run. The harness then lets both settle for
 * {@value #SETTLE_SECONDS} s and samples each JVM once a second for {@value #SAMPLE_SECONDS} s: resident
 * memory ({@code VmRSS}) and thread count ({@code Threads}) from {@code /proc/<pid>/status}, and CPU time
 * ({@code utime + stime} from {@code /proc/<pid>/stat}) at the start and end of the window. It prints the
 * median RSS and thread count, the CPU used over the window, and how many {@code sleep} processes each
 * JVM has (to show both hold all of them).
 *
 * <p>Without arguments it measures the JVM's default flags and then {@link #RECOMMENDED}; given JVM flags
 * as arguments it measures only those (to find out what one flag does). Both measured JVMs are told to
 * stop by closing their stdin (they then stop their processes and exit); whatever is still alive after
 * {@value #EXIT_WAIT_SECONDS} s, or when the harness fails, is killed with SIGKILL, descendants first.
 *
 * <p>Run: {@code ./mvnw -q -pl supervision-examples -am install -DskipTests && ./mvnw -q -pl
 * supervision-examples exec:exec@bench-footprint} (about 2 minutes).
 */
public final class FootprintBench {
    /**
     * JVM flags for a small, always-on supervisor JVM (what the {@code supervise} launcher should use): the
     * serial collector with a small heap, C1 only, no class-data-sharing archive mapped (it costs resident
     * pages for classes a supervisor never loads; start-up is slower), no perf-data file, and caps on the
     * code cache and metaspace. The heap is sized for about 100 process children: each holds two output
     * read buffers of 72 KiB with the default maximum line length. Native access lets the library launch and
     * watch processes with {@code posix_spawn}, {@code pidfd} and {@code epoll} (no thread per process or pipe).
     */
    static final List<String> RECOMMENDED = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC", "-Xms8m", "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:off", "-XX:-UsePerfData",
            "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=64m");
    private static final int CHILDREN = 100;
    private static final List<String> COMMAND = List.of("sleep", "100000");
    private static final int SETTLE_SECONDS = 10;
    private static final int SAMPLE_SECONDS = 30;
    private static final int EXIT_WAIT_SECONDS = 60;
    private static final String READY = "footprint-ready";

    private FootprintBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("baseline")) {
            baseline();
        } else if (args.length > 1 && args[0].equals("supervised")) {
            supervised(Path.of(args[1]));
        } else {
            long tick = clockTicksPerSecond();
            System.out.printf("FootprintBench: %d x `%s`; settle %d s, then sample for %d s%n", CHILDREN,
                    String.join(" ", COMMAND), SETTLE_SECONDS, SAMPLE_SECONDS);
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, load average "
                    + loadAverage() + ", java " + Runtime.version());
            if (args.length > 0) {
                compare(List.of(args), tick);
            } else {
                compare(List.of(), tick);
                compare(RECOMMENDED, tick);
            }
        }
    }

    /** Measures both sides with {@code flags}, at the same time, and prints them side by side. */
    private static void compare(List<String> flags, long tick) throws Exception {
        Path stateDir = Files.createTempDirectory("footprint-state-");
        Measured base = null;
        Measured ours = null;
        try {
            base = Measured.launch("baseline", flags, List.of("baseline"));
            ours = Measured.launch("supervised", flags, List.of("supervised", stateDir.toString()));
            base.awaitReady();
            ours.awaitReady();
            TimeUnit.SECONDS.sleep(SETTLE_SECONDS);
            long baseCpu = base.cpuTicks();
            long oursCpu = ours.cpuTicks();
            for (int s = 0; s < SAMPLE_SECONDS; s++) {
                TimeUnit.SECONDS.sleep(1);
                base.sample();
                ours.sample();
            }
            long baseUsed = base.cpuTicks() - baseCpu;
            long oursUsed = ours.cpuTicks() - oursCpu;
            System.out.println();
            System.out.println("JVM flags: " + (flags.isEmpty() ? "(defaults)" : String.join(" ", flags))
                    + "   load average " + loadAverage());
            System.out.println("                      RSS MiB (median)  threads (median)  CPU over " + SAMPLE_SECONDS
                    + " s (ms)  sleeps");
            base.print(baseUsed, tick);
            ours.print(oursUsed, tick);
        } finally {
            if (ours != null) ours.stop();
            if (base != null) base.stop();
            try (Stream<Path> all = Files.walk(stateDir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** One measured JVM, started by the harness. */
    private static final class Measured {
        private final String name;
        private final Process jvm;
        private final Samples rssKib = new Samples();
        private final Samples threads = new Samples();

        private Measured(String name, Process jvm) {
            this.name = name;
            this.jvm = jvm;
        }

        static Measured launch(String name, List<String> flags, List<String> mode) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(flags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), FootprintBench.class.getName()));
            command.addAll(mode);
            return new Measured(name, new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }

        void awaitReady() throws IOException, InterruptedException {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals(READY)) return;
            }
            throw new IllegalStateException(name + " JVM ended before it was ready, exit " + jvm.waitFor(10, TimeUnit.SECONDS));
        }

        /** Records VmRSS (KiB) and Threads from {@code /proc/<pid>/status}. */
        void sample() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(jvm.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) rssKib.add(Long.parseLong(line.replaceAll("[^0-9]", "")));
                if (line.startsWith("Threads:")) threads.add(Long.parseLong(line.replaceAll("[^0-9]", "")));
            }
        }

        /** utime + stime in clock ticks. */
        long cpuTicks() throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(jvm.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        void print(long cpuTicksUsed, long tick) {
            long sleeps = jvm.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/sleep")).orElse(false)).count();
            System.out.printf(Locale.ROOT, "%-22s %15.1f  %16.0f  %18d  %6d%n", name, rssKib.median() / 1024,
                    threads.median(), cpuTicksUsed * 1000 / tick, sleeps);
        }

        /** Asks the JVM to stop its processes and exit; kills it and everything below it if it does not. */
        void stop() throws InterruptedException {
            List<ProcessHandle> below = jvm.descendants().toList();
            try {
                jvm.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone: the kill below covers it
            }
            if (!jvm.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                System.err.println(name + " JVM did not exit within " + EXIT_WAIT_SECONDS + " s; killing it");
            }
            jvm.destroyForcibly();
            jvm.waitFor();
            for (ProcessHandle h : below) {
                h.destroyForcibly();
            }
        }
    }

    /** The baseline program: processes held with naive draining threads, until stdin ends. */
    private static void baseline() throws Exception {
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < CHILDREN; i++) {
                Process p = new ProcessBuilder(COMMAND).start();
                processes.add(p);
                drain(p.getInputStream());
                drain(p.getErrorStream());
            }
            System.out.println(READY);
            System.out.flush();
            awaitEndOfInput();
        } finally {
            for (Process p : processes) p.destroyForcibly();
            for (Process p : processes) p.waitFor();
        }
    }

    private static void drain(InputStream in) {
        new Thread(() -> {
            try (in) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the process is gone
            }
        }).start();
    }

    /** The supervised program: one supervisor with the process children, until stdin ends. */
    private static void supervised(Path stateDir) throws Exception {
        SupervisorSpec.Builder spec = SupervisorSpec.builder("footprint").strategy(Strategy.ONE_FOR_ONE);
        for (int i = 0; i < CHILDREN; i++) {
            spec.child(ProcessSpec.builder("sleep-" + i)
                    .command(COMMAND)
                    .startSeconds(Duration.ZERO)
                    .stateDirectory(stateDir));
        }
        Supervisor supervisor = Supervisor.start(spec.build());
        try {
            System.out.println(READY);
            System.out.flush();
            awaitEndOfInput();
        } finally {
            supervisor.close();
        }
    }

    private static void awaitEndOfInput() throws IOException {
        while (System.in.read() >= 0) {
            // nothing to do until the harness closes our stdin
        }
    }

    private static long clockTicksPerSecond() throws IOException, InterruptedException {
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        try {
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            getconf.waitFor();
            return Long.parseLong(out);
        } finally {
            getconf.destroyForcibly();
        }
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.asList(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException e) {
            return "unknown";
        }
    }
}

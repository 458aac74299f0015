package dev.supervision.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code bench-cold-restart}: the first restarts after a cold start, the path users hit (restarts are rare, so the JIT
 * never warms it). {@code supervise --backoff none} runs a child that writes the time and exits 1 at once, and
 * restarts it {@code N} times; the same child run {@code N} times by a plain Java program with ProcessBuilder on the same
 * runtime is the baseline. Each cycle is the time from one launch to the next (the child's own run included in both).
 * Fresh JVMs each round, rounds alternating.
 *
 * <pre>java -cp ... dev.supervision.cli.ColdRestartBench DIST [CYCLES] [ROUNDS]</pre>
 */
public final class ColdRestartBench {
    private ColdRestartBench() {}

    /** The baseline: runs the child {@code n} times in a row, each after the previous one exited. */
    public static final class PlainLoop {
        private PlainLoop() {}

        public static void main(String[] args) throws Exception {
            int n = Integer.parseInt(args[0]);
            List<String> child = Arrays.asList(args).subList(1, args.length);
            for (int i = 0; i <= n; i++) new ProcessBuilder(child).inheritIO().start().waitFor();
        }
    }

    public static void main(String[] args) throws Exception {
        Path dist = Path.of(args[0]).toAbsolutePath();
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path work = Files.createTempDirectory("bench-cold-restart");
        Path stamps = work.resolve("stamps");
        String java = dist.resolve("runtime/bin/java").toString();
        List<String> child = List.of("sh", "-c", "date +%s%N >> " + stamps + "; exit 1");
        String testClasses = Path.of(ColdRestartBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();

        // A tree file: its intensity (restarts allowed) can be the number of cycles; the CLI gives up after them, exit 75.
        Path tree = work.resolve("tree.yaml");
        Files.writeString(tree, """
                name: cold
                intensity: %d
                period: 1h
                children:
                  - id: child
                    command: [sh, -c, "date +%%s%%N >> %s; exit 1"]
                    startSeconds: 0s
                    backoff: none
                    crashHistory: false
                    output: {sinks: [discard]}
                """.formatted(cycles, stamps));
        List<String> supervise = List.of(dist.resolve("bin/supervise").toString(), "--log-level", "warn", "--status-port", "off",
                "--config", tree.toString());
        List<String> plain = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", testClasses,
                PlainLoop.class.getName(), Integer.toString(cycles)));
        plain.addAll(child);

        String opts = Files.readAllLines(dist.resolve("bin/supervise")).stream().filter(l -> l.startsWith("SUPERVISE_DEFAULT_JAVA_OPTS="))
                .findFirst().orElseThrow().replaceFirst("^SUPERVISE_DEFAULT_JAVA_OPTS=\"(.*)\"$", "$1");
        Map<String, String> noCache = Map.of("SUPERVISE_JAVA", java, "SUPERVISE_JAVA_OPTS", opts);
        double[][] sup = new double[rounds][];
        double[][] bare = new double[rounds][];
        double[][] base = new double[rounds][];
        for (int r = 0; r < rounds; r++) {
            base[r] = run(plain, Map.of(), stamps, work, cycles, false);
            sup[r] = run(supervise, Map.of(), stamps, work, cycles, true);
            bare[r] = run(supervise, noCache, stamps, work, cycles, true);
        }
        System.out.printf("first %d restarts after a cold start, %d rounds (%s, %d cores); ms per cycle (launch to next launch)%n",
                cycles, rounds, Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.printf("%-52s %14s %14s %14s%n", "", "median", "mean", "first 10 mean");
        for (int r = 0; r < rounds; r++) {
            line("plain Java + ProcessBuilder, round " + (r + 1), base[r]);
            line("supervise --backoff none (as shipped), round " + (r + 1), sup[r]);
            System.out.printf("%-52s %13.2fx %13.2fx %13.2fx%n", "  ratio to the plain loop", median(sup[r]) / median(base[r]),
                    mean(sup[r]) / mean(base[r]), mean(Arrays.copyOf(sup[r], 10)) / mean(Arrays.copyOf(base[r], 10)));
            line("supervise without the start-up cache, round " + (r + 1), bare[r]);
        }
    }

    /** Runs until the child was launched {@code cycles + 1} times; the intervals between launches, in ms. */
    private static double[] run(List<String> argv, Map<String, String> env, Path stamps, Path work, int cycles, boolean supervised)
            throws IOException, InterruptedException {
        Files.deleteIfExists(stamps);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("SUPERVISE_"));
        pb.environment().put("SUPERVISE_STATE_DIR", work.resolve("state").toString());
        pb.environment().putAll(env);
        int code = pb.start().waitFor();
        if (supervised && code != 75) throw new IllegalStateException("supervise exited " + code + ", not 75 (gave up after the cycles)");
        List<String> lines = Files.readAllLines(stamps);
        if (lines.size() <= cycles) throw new IllegalStateException(argv.get(0) + ": only " + lines.size() + " launches");
        double[] out = new double[cycles];
        for (int i = 0; i < cycles; i++) out[i] = (Long.parseLong(lines.get(i + 1).trim()) - Long.parseLong(lines.get(i).trim())) / 1e6;
        return out;
    }

    private static void line(String what, double[] v) {
        System.out.printf("%-52s %14.2f %14.2f %14.2f%n", what, median(v), mean(v), mean(Arrays.copyOf(v, Math.min(10, v.length))));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}

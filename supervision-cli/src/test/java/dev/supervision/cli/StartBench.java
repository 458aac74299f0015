package dev.supervision.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bench-start}: how long {@code supervise -- CHILD} takes from exec to the child's launch, and to its own exit
 * when the child exits at once (run once), against baselines in the same run: the bundled runtime's bare
 * {@code java -version}, and a plain Java program (its main class on the same runtime) that launches the same child with
 * ProcessBuilder. Each variant runs cold (a new JVM each time), rounds alternating the variants. The child is
 * {@code sh -c 'date +%s%N > FILE'}: the launch time is what it writes.
 *
 * <pre>java -cp ... dev.supervision.cli.StartBench DIST [ROUNDS]</pre>
 */
public final class StartBench {
    private StartBench() {}

    /** The plain Java baseline: launches the child and waits for it. */
    public static final class PlainLauncher {
        private PlainLauncher() {}

        public static void main(String[] args) throws Exception {
            System.exit(new ProcessBuilder(args).inheritIO().start().waitFor());
        }
    }

    private record Sample(double launchMs, double exitMs) {}

    public static void main(String[] args) throws Exception {
        Path dist = Path.of(args[0]).toAbsolutePath();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path work = Files.createTempDirectory("bench-start");
        Path stamp = work.resolve("launched");
        String java = dist.resolve("runtime/bin/java").toString();
        String opts = Files.readAllLines(dist.resolve("bin/supervise")).stream().filter(l -> l.startsWith("SUPERVISE_DEFAULT_JAVA_OPTS="))
                .findFirst().orElseThrow().replaceFirst("^SUPERVISE_DEFAULT_JAVA_OPTS=\"(.*)\"$", "$1");
        List<String> child = List.of("sh", "-c", "date +%s%N > " + stamp);
        String testClasses = Path.of(StartBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();

        List<String> supervise = new ArrayList<>(List.of(dist.resolve("bin/supervise").toString(), "--auto-recovery", "off", "--"));
        supervise.addAll(child);
        List<String> plain = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", testClasses,
                PlainLauncher.class.getName()));
        plain.addAll(child);
        Map<String, Variant> variants = new java.util.LinkedHashMap<>();
        variants.put("java -version (bundled runtime, no program)", new Variant(List.of(java, "-version"), Map.of(), false));
        variants.put("plain Java program + ProcessBuilder (same runtime)", new Variant(plain, Map.of(), true));
        variants.put("supervise, start-up cache (the distribution as shipped)", new Variant(supervise, Map.of(), true));
        variants.put("supervise, no start-up cache", new Variant(supervise, Map.of("SUPERVISE_JAVA", java, "SUPERVISE_JAVA_OPTS", opts), true));
        Map<String, List<Sample>> samples = new java.util.LinkedHashMap<>();
        variants.keySet().forEach(k -> samples.put(k, new ArrayList<>()));
        for (int r = 0; r < rounds + 2; r++) {
            for (var e : variants.entrySet()) {
                Sample s = run(e.getValue(), stamp, work);
                if (r >= 2) samples.get(e.getKey()).add(s);          // two rounds to settle the page cache
            }
        }
        System.out.printf("supervise start-up, %d cold runs each, rounds alternating (%s, %d cores)%n", rounds,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.printf("%-58s %22s %22s%n", "", "exec -> child launched", "exec -> exit");
        System.out.printf("%-58s %22s %22s%n", "", "median / p90 (ms)", "median / p90 (ms)");
        for (var e : samples.entrySet()) {
            double[] launch = e.getValue().stream().mapToDouble(Sample::launchMs).sorted().toArray();
            double[] exit = e.getValue().stream().mapToDouble(Sample::exitMs).sorted().toArray();
            String l = variants.get(e.getKey()).launches() ? String.format("%.0f / %.0f", pct(launch, 50), pct(launch, 90)) : "-";
            System.out.printf("%-58s %22s %22s%n", e.getKey(), l, String.format("%.0f / %.0f", pct(exit, 50), pct(exit, 90)));
        }
    }

    private record Variant(List<String> argv, Map<String, String> env, boolean launches) {}

    private static Sample run(Variant v, Path stamp, Path work) throws IOException, InterruptedException {
        Files.deleteIfExists(stamp);
        ProcessBuilder pb = new ProcessBuilder(v.argv()).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("SUPERVISE_"));
        pb.environment().put("SUPERVISE_STATE_DIR", work.resolve("state").toString());
        pb.environment().putAll(v.env());
        Instant t0 = Instant.now();
        Process p = pb.start();
        int code = p.waitFor();
        Instant t1 = Instant.now();
        if (code != 0) throw new IllegalStateException(v.argv() + " exited " + code);
        double launch = Double.NaN;
        if (v.launches()) {
            long nanos = Long.parseLong(Files.readString(stamp).trim());
            launch = (nanos - (t0.getEpochSecond() * 1_000_000_000L + t0.getNano())) / 1e6;
        }
        return new Sample(launch, t0.until(t1, ChronoUnit.MICROS) / 1e3);
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}

package dev.supervision.examples.bench;

import dev.supervision.process.LineListener;
import dev.supervision.process.OutputSink;
import dev.supervision.process.OutputSpec;
import dev.supervision.process.Stream;
import dev.supervision.process.internal.Launch;
import dev.supervision.process.internal.OutputPump;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Output pumping throughput, a process harness (not JMH: the cost is in the OS pipe). Each variant reads
 * the same 1 GiB that the same writer produces, in the same run, in {@value #REPS} rounds of all variants
 * back to back. Reported: each variant's median, and its ratio to {@code cat} round by round (median, min,
 * max) — on a shared 2-core machine {@code cat}'s own throughput jumps between two levels (about 0.8 and
 * 1.6 GB/s for {@code yes | head}) from one round to the next, so the per-round ratio is the steadier figure:
 * <ol>
 *   <li>{@code cat}: the writer piped into {@code cat > /dev/null} by the shell, the physical baseline;</li>
 *   <li>plain Java: a 64 KiB read loop on {@code Process.getInputStream()};</li>
 *   <li>ours: {@code OutputPump} splitting lines, a listener that counts lines and chars
 *       ({@code line.length()} on every line), the 200-line tail, a discarding sink, on a child launched
 *       as the supervisor launches it (natively where this JVM allows, see {@code Launch}) and, when that
 *       is native, also on one launched by {@code ProcessBuilder}.</li>
 * </ol>
 * Two writers: {@code yes "<line>" | head -c 1G} (two writer processes: on a 2-core machine the reader
 * competes with them for CPU, so this measures CPU cost per byte) and {@code cat} of a page-cached
 * 256 MiB file of realistic log lines four times (one writer process, like a real server).
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -pl supervision-examples exec:exec@bench-output}
 */
public final class OutputThroughputBench {
    private static final long GIB = 1L << 30;
    private static final int REPS = 11;
    private static final String LINE = "2026-11-23 05:44:01.123 INFO [engine-3] step=1234 loss=0.1234 tokens/s=4567 kv=45.6%";

    private OutputThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("OutputPump reads children launched with: " + Launch.describe());
        Path log = realisticLog(GIB / 4);
        try {
            String file = log.toString();
            run("yes | head -c 1G", "yes '" + LINE + "' | head -c " + GIB);
            run("cat 256 MiB file x4", "cat " + file + " " + file + " " + file + " " + file);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void run(String name, String writer) throws Exception {
        List<Double> cat = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        List<Double> ours = new ArrayList<>();
        List<Double> oursJdk = new ArrayList<>();
        for (int warm = 0; warm < 2; warm++) {
            plainJava(writer);
            pump(writer, false);
        }
        for (int i = 0; i < REPS; i++) {
            cat.add(cat(writer));
            plain.add(plainJava(writer));
            ours.add(pump(writer, false));
            if (NATIVE) oursJdk.add(pump(writer, true));
        }
        System.out.printf(Locale.ROOT, "writer: %s (%d rounds; MB/s = 10^6 bytes/s)%n", name, REPS);
        System.out.printf(Locale.ROOT, "  cat per round: %s MB/s%n", String.join(" ",
                cat.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList()));
        System.out.printf(Locale.ROOT, "  %-44s %7s  %9s  %s%n", "", "median", "of cat", "per-round ratio: median (min-max)");
        System.out.printf(Locale.ROOT, "  %-44s %7.0f MB/s%n", "cat > /dev/null (baseline)", median(cat));
        row("plain Java 64 KiB read loop", plain, cat);
        row("OutputPump: lines + listener + tail + discard", ours, cat);
        if (NATIVE) row("  same, child launched by ProcessBuilder", oursJdk, cat);
    }

    /**
     * One variant: its median beside the baseline's, and its ratio to {@code cat} round by round (each round
     * runs cat and the variants back to back, so a round's ratio sees one state of the machine).
     */
    private static void row(String name, List<Double> mbs, List<Double> cat) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < mbs.size(); i++) ratios.add(100 * mbs.get(i) / cat.get(i));
        System.out.printf(Locale.ROOT, "  %-44s %7.0f MB/s  %5.1f %%    %5.1f %% (%.1f-%.1f)%n", name, median(mbs),
                100 * median(mbs) / median(cat), median(ratios), ratios.stream().min(Double::compare).orElseThrow(),
                ratios.stream().max(Double::compare).orElseThrow());
    }

    private static double cat(String writer) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", writer + " | cat > /dev/null").start();
        check(p);
        return mbPerSecond(GIB, t0);
    }

    private static double plainJava(String writer) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", writer).start();
        long total = 0;
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) total += n;
        }
        check(p);
        return mbPerSecond(expect(total), t0);
    }

    /** Whether children are launched natively here; then the pump also runs on ProcessBuilder's streams. */
    private static final boolean NATIVE = Launch.isNative();

    private static double pump(String writer, boolean viaProcessBuilder) throws Exception {
        Counter counter = new Counter();
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.discard()).listener(counter).build();
        long t0 = System.nanoTime();
        // Launched as the supervisor launches its children: natively where this JVM allows it (see Launch).
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", writer)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = viaProcessBuilder ? pb.start() : Launch.start(pb);
        OutputPump pump = OutputPump.start("bench", p, spec, List.of());
        pump.completion().join();
        check(p);
        double mb = mbPerSecond(expect(counter.lines + counter.chars), t0);
        if (pump.tail().size() != OutputSpec.DEFAULT_TAIL_LINES) throw new IllegalStateException("tail " + pump.tail().size());
        return mb;
    }

    /**
     * Counts lines and chars. Only stdout carries output here, so one thread writes the fields; the
     * pump's completion, joined before they are read, publishes them.
     */
    private static final class Counter implements LineListener {
        long lines;
        long chars;

        @Override
        public void onLine(Stream stream, CharSequence line) {
            lines++;
            chars += line.length();
        }
    }

    private static long expect(long bytes) {
        // yes | head cuts the last line, which has no \n: one byte less than counted lines + chars.
        if (Math.abs(bytes - GIB) > 1) throw new IllegalStateException("read " + bytes + " bytes, expected " + GIB);
        return GIB;
    }

    private static void check(Process p) throws InterruptedException {
        if (p.waitFor() != 0) throw new IllegalStateException("writer failed: exit " + p.exitValue());
    }

    private static double mbPerSecond(long bytes, long t0) {
        return bytes / ((System.nanoTime() - t0) / 1e9) / 1e6;
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Writes exactly {@code size} bytes of log lines with varying numbers (the last line is padded). */
    private static Path realisticLog(long size) throws IOException {
        Path file = Files.createTempFile("output-bench", ".log");
        String[] levels = {"INFO", "INFO", "INFO", "WARNING", "DEBUG"};
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            long written = 0;
            for (long i = 0; ; i++) {
                String line = String.format(Locale.ROOT,
                        "%s 2026-11-23 05:%02d:%02d.%03d engine.py:%d] Avg prompt throughput: %.1f tokens/s, running: %d reqs%n",
                        levels[(int) (i % levels.length)], i / 60 % 60, i % 60, i % 1000, 200 + i % 300,
                        (i * 7919 % 100_000) / 10.0, i % 64);
                if (written + line.length() > size) {
                    w.write("x".repeat((int) (size - written - 1)) + "\n");
                    break;
                }
                w.write(line);
                written += line.length();
            }
        }
        return file;
    }
}

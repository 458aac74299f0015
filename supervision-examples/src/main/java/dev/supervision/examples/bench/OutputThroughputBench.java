package dev.supervision.examples.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.supervision.process.internal.launch.Launch;
import dev.supervision.process.internal.output.OutputPump;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.output.StdStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * <p>Also reported, as medians: the CPU seconds per GiB the writer processes spent (bash's {@code times})
 * and the reader: {@code cat}'s (the same, by difference), or this JVM's for the Java variants (all its
 * threads, from {@code getProcessCpuTime}), and how many cores they kept busy together. Where the writers and
 * the reader together need more than the cores can give, that, not the reader alone, sets the throughput.
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
        List<Sample> cat = new ArrayList<>();
        List<Sample> plain = new ArrayList<>();
        List<Sample> ours = new ArrayList<>();
        List<Sample> oursJdk = new ArrayList<>();
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
                cat.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.mbs())).toList()));
        System.out.printf(Locale.ROOT, "  %-44s %7s  %9s  %-34s %s%n", "", "median", "of cat",
                "per-round ratio: median (min-max)", "CPU s/GiB: writers + reader, cores busy");
        System.out.printf(Locale.ROOT, "  %-44s %7.0f MB/s %46s %s%n", "cat > /dev/null (baseline)",
                median(cat.stream().map(Sample::mbs).toList()), "", cpu(cat));
        row("plain Java 64 KiB read loop", plain, cat);
        row("OutputPump: lines + listener + tail + discard", ours, cat);
        if (NATIVE) row("  same, child launched by ProcessBuilder", oursJdk, cat);
    }

    /**
     * One variant: its median beside the baseline's, and its ratio to {@code cat} round by round (each round
     * runs cat and the variants back to back, so a round's ratio sees one state of the machine).
     */
    private static void row(String name, List<Sample> samples, List<Sample> cat) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) ratios.add(100 * samples.get(i).mbs() / cat.get(i).mbs());
        double mbs = median(samples.stream().map(Sample::mbs).toList());
        double catMbs = median(cat.stream().map(Sample::mbs).toList());
        System.out.printf(Locale.ROOT, "  %-44s %7.0f MB/s  %5.1f %%    %5.1f %% (%5.1f-%5.1f)%14s %s%n", name, mbs,
                100 * mbs / catMbs, median(ratios), ratios.stream().min(Double::compare).orElseThrow(),
                ratios.stream().max(Double::compare).orElseThrow(), "", cpu(samples));
    }

    /**
     * The medians of the writers' and the reader's CPU seconds per GiB, and of the cores they kept busy
     * together (their CPU seconds per wall second): below the machine's cores, some waited on the others.
     */
    private static String cpu(List<Sample> samples) {
        return String.format(Locale.ROOT, "%.2f + %.2f, %.2f", median(samples.stream().map(Sample::writers).toList()),
                median(samples.stream().map(Sample::reader).toList()), median(samples.stream().map(Sample::cores).toList()));
    }

    /** One run of a variant: its throughput and the CPU seconds per GiB of the writers and of the reader. */
    private record Sample(double mbs, double writers, double reader) {
        /** CPU seconds per wall second of the writers and the reader together. */
        double cores() {
            return mbs * 1e6 / GIB * (writers + reader);
        }
    }

    private static Sample cat(String writer) throws Exception {
        long t0 = System.nanoTime();
        // The group's times: its own and its children's (the writers); the shell's: everything, cat included.
        Process p = new ProcessBuilder("bash", "-c", "{ " + writer + "; times >&2; } | cat > /dev/null; times >&2").start();
        String times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
        check(p);
        double mbs = mbPerSecond(GIB, t0);
        double[] t = seconds(times, 8);
        double writers = t[2] + t[3];
        double all = t[6] + t[7];
        return new Sample(mbs, writers, all - writers - t[0] - t[1]);
    }

    /** The user and system seconds of {@code times} outputs, in order: {@code count} numbers. */
    private static double[] seconds(String times, int count) {
        Matcher m = TIMES.matcher(times);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            if (!m.find()) throw new IllegalStateException("times printed: " + times);
            out[i] = Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
        }
        return out;
    }

    /** One number of bash's {@code times}: {@code 0m1.234s}. */
    private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s");
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static Sample plainJava(String writer) throws Exception {
        long t0 = System.nanoTime();
        long cpu0 = OS.getProcessCpuTime();
        Process p = new ProcessBuilder("bash", "-c", writer + "; times >&2").start();
        long total = 0;
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) total += n;
        }
        String times = new String(p.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
        check(p);
        double mbs = mbPerSecond(expect(total), t0);
        double[] t = seconds(times, 4);
        return new Sample(mbs, t[2] + t[3], (OS.getProcessCpuTime() - cpu0) / 1e9);
    }

    /** Whether children are launched natively here; then the pump also runs on ProcessBuilder's streams. */
    private static final boolean NATIVE = Launch.isNative();

    private static Sample pump(String writer, boolean viaProcessBuilder) throws Exception {
        Counter counter = new Counter();
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.discard()).listener(counter).build();
        long t0 = System.nanoTime();
        long cpu0 = OS.getProcessCpuTime();
        // Launched as the supervisor launches its children: natively where this JVM allows it (see Launch).
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", writer + "; times >&2")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = viaProcessBuilder ? pb.start() : Launch.start(pb);
        OutputPump pump = OutputPump.start("bench", p, spec, List.of());
        pump.completion().join();
        check(p);
        double mb = mbPerSecond(expect(counter.lines + counter.chars), t0);
        double reader = (OS.getProcessCpuTime() - cpu0) / 1e9;
        if (pump.tail().size() != OutputSpec.DEFAULT_TAIL_LINES) throw new IllegalStateException("tail " + pump.tail().size());
        double[] t = seconds(counter.stderr.toString(), 4);
        return new Sample(mb, t[2] + t[3], reader);
    }

    /**
     * Counts stdout's lines and chars and keeps stderr's (bash's {@code times}). Each field is written by
     * one stream's thread; the pump's completion, joined before they are read, publishes them.
     */
    private static final class Counter implements LineListener {
        long lines;
        long chars;
        final StringBuilder stderr = new StringBuilder();

        @Override
        public void onLine(StdStream stream, CharSequence line) {
            if (stream == StdStream.STDERR) {
                stderr.append(line).append('\n');
                return;
            }
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

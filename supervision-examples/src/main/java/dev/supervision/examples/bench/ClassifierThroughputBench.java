package dev.supervision.examples.bench;

import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.process.internal.output.OutputPump;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Crash-classifier throughput: 1 GiB of mixed ML-server log lines through the real output pump (the
 * same {@code OutputPump} splitter on both sides), (a) with no listener, the baseline, and (b) with a
 * {@code CrashClassifier} holding every built-in signature. A listener that does nothing is measured
 * too, to show what the pump's per-line listener call costs by itself. Each side runs five times,
 * interleaved; the medians and the ratios are printed. Goal: at least 50 % of the baseline and 500 MB/s.
 *
 * <p>The input is 64 MiB of generated lines served again and again from memory: vLLM metrics and
 * request logs, uvicorn access lines, PyTorch trainer progress, NCCL and tokenizer warnings, tqdm bars
 * (non-ASCII), one line in 500 a near miss that holds a keyword but matches nothing, one in 20,000 a
 * real crash signature. No process is involved, so only the splitter and the classifier are measured.
 *
 * <p>Run: {@code ./mvnw -q -pl supervision-examples -am install -DskipTests && ./mvnw -q -pl supervision-examples exec:exec@bench-classifier}
 */
public final class ClassifierThroughputBench {
    private static final long TOTAL = 1L << 30;
    private static final int CHUNK = 64 << 20;
    private static final int REPETITIONS = 5;

    private ClassifierThroughputBench() {}

    public static void main(String[] args) throws Exception {
        long total = args.length > 0 ? Long.parseLong(args[0]) << 20 : TOTAL;
        byte[] chunk = generate(new Random(20261123), CHUNK);
        System.out.printf(Locale.ROOT, "input: %d MiB of log lines (a %d MiB chunk repeated), %d repetitions per side%n",
                total >> 20, CHUNK >> 20, REPETITIONS);
        for (Side side : Side.values()) run(chunk, total / 4, side);
        List<Double> base = new ArrayList<>();
        List<Double> noop = new ArrayList<>();
        List<Double> classified = new ArrayList<>();
        for (int i = 0; i < REPETITIONS; i++) {
            base.add(run(chunk, total, Side.SPLIT_ONLY));
            noop.add(run(chunk, total, Side.NO_OP_LISTENER));
            classified.add(run(chunk, total, Side.CLASSIFIER));
            System.out.printf(Locale.ROOT, "  run %d: split only %7.1f MB/s   + no-op listener %7.1f MB/s   + classifier %7.1f MB/s%n",
                    i + 1, base.get(i), noop.get(i), classified.get(i));
        }
        double b = median(base);
        double n = median(noop);
        double c = median(classified);
        System.out.printf(Locale.ROOT, "median: split only %.1f MB/s; + no-op listener %.1f MB/s (%.1f %%);"
                + " + classifier %.1f MB/s = %.1f %% of the baseline%n", b, n, 100 * n / b, c, 100 * c / b);
    }

    /** What listens to the pump's lines. */
    private enum Side { SPLIT_ONLY, NO_OP_LISTENER, CLASSIFIER }

    /** One pass through the pump; returns MB/s (10^6 bytes per second). */
    private static double run(byte[] chunk, long total, Side side) throws Exception {
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.discard()).tailLines(0).build();
        CrashClassifier classifier = new CrashClassifier(SignatureLibrary.builtIn());
        boolean classify = side == Side.CLASSIFIER;
        List<LineListener> extra = switch (side) {
            case SPLIT_ONLY -> List.of();
            case NO_OP_LISTENER -> List.of((stream, line) -> { });
            case CLASSIFIER -> List.of(classifier);
        };
        long start = System.nanoTime();
        OutputPump pump = OutputPump.start("bench", new Repeating(chunk, total), new ByteArrayInputStream(new byte[0]),
                spec, extra);
        pump.completion().get(10, TimeUnit.MINUTES);
        long nanos = System.nanoTime() - start;
        if (classify && classifier.verdict(new ExitStatus(1)).isEmpty()) throw new AssertionError("the classifier saw nothing");
        return total / 1e6 / (nanos / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static final String[] CRASHES = {
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.21 GiB is free.",
        "ERROR 11-23 05:50:33 [core.py:396] ValueError: Free memory on device (14.52/23.65 GiB) on startup is less than desired GPU memory utilization (0.9, 21.28 GiB).",
        "[rank1]:[E1123 06:12:44.123456789 ProcessGroupNCCL.cpp:616] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=48213, OpType=ALLREDUCE, NumelIn=262144, NumelOut=262144, Timeout(ms)=600000) ran for 600043 milliseconds before timing out.",
        "ERROR 11-23 06:21:43 [core_client.py:369] Engine core proc EngineCore_0 died unexpectedly, shutting down client.",
        "INFO 11-23 06:30:00 [shm_broadcast.py:466] No available shared memory broadcast block found in 60 seconds. This typically happens when some processes are hanging.",
    };

    private static final String[] NEAR_MISSES = {
        "  --gpu-memory-utilization GPU_MEMORY_UTILIZATION  Lower it if you see CUDA out of memory errors.",
        "INFO 11-23 05:44:01 [metrics.py:455] worker 3 died unexpectedly, restarting it",
        "faulthandler: Segmentation faults will print a Python traceback",
        "class OutOfMemoryHandler: pass  # handles torch.OutOfMemoryError",
    };

    /** About {@code size} bytes of whole lines. */
    static byte[] generate(Random r, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 4096);
        long n = 0;
        while (out.size() < size) {
            n++;
            String line;
            if (n % 20_000 == 0) line = CRASHES[r.nextInt(CRASHES.length)];
            else if (n % 500 == 0) line = NEAR_MISSES[r.nextInt(NEAR_MISSES.length)];
            else line = ordinary(r, n);
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static String ordinary(Random r, long n) {
        String time = String.format(Locale.ROOT, "11-23 %02d:%02d:%02d", r.nextInt(24), r.nextInt(60), r.nextInt(60));
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> String.format(Locale.ROOT, "INFO %s [metrics.py:455] Avg prompt throughput: %.1f tokens/s, Avg generation"
                    + " throughput: %.1f tokens/s, Running: %d reqs, Swapped: 0 reqs, Pending: %d reqs, GPU KV cache usage: %.1f%%,"
                    + " CPU KV cache usage: 0.0%%.", time, r.nextDouble() * 5000, r.nextDouble() * 900, r.nextInt(64),
                    r.nextInt(8), r.nextDouble() * 100);
            case 3, 4 -> String.format(Locale.ROOT, "INFO:     127.0.0.1:%d - \"POST /v1/chat/completions HTTP/1.1\" 200 OK",
                    30000 + r.nextInt(30000));
            case 5 -> String.format(Locale.ROOT, "INFO %s [logger.py:39] Received request chatcmpl-%016x: prompt: '<|im_start|>user\\n"
                    + "Summarise the attached report in three bullet points.<|im_end|>', params: SamplingParams(n=1, temperature=0.7,"
                    + " top_p=0.8, max_tokens=%d)", time, r.nextLong(), 256 + r.nextInt(2048));
            case 6 -> String.format(Locale.ROOT, "{'loss': %.4f, 'grad_norm': %.4f, 'learning_rate': %.2e, 'epoch': %.2f}",
                    r.nextDouble() * 3, r.nextDouble() * 2, r.nextDouble() * 2e-5, n / 1e6);
            case 7 -> String.format(Locale.ROOT, "%3d%%|████▎     | %d/4000 [%02d:%02d<1:11:45,  1.11s/it]",
                    r.nextInt(100), r.nextInt(4000), r.nextInt(60), r.nextInt(60));
            case 8 -> String.format(Locale.ROOT, "[rank%d]:[W%s ProcessGroupNCCL.cpp:4561] [PG ID 0 PG GUID 0 Rank %d] using GPU %d"
                    + " to perform barrier as devices used by this process are currently unknown.", r.nextInt(8),
                    time.replace(" ", "."), r.nextInt(8), r.nextInt(8));
            default -> String.format(Locale.ROOT, "DEBUG %s [scheduler.py:1124] scheduled %d prefill and %d decode sequences,"
                    + " %d blocks free of %d", time, r.nextInt(4), r.nextInt(64), r.nextInt(20000), 20000);
        };
    }

    /** Serves {@code chunk} again and again until {@code total} bytes were read. */
    private static final class Repeating extends InputStream {
        private final byte[] chunk;
        private long left;
        private int pos;

        Repeating(byte[] chunk, long total) {
            this.chunk = chunk;
            this.left = total;
        }

        @Override
        public int read() {
            if (left == 0) return -1;
            int b = chunk[pos] & 0xff;
            pos = pos + 1 == chunk.length ? 0 : pos + 1;
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) return -1;
            int n = (int) Math.min(Math.min(len, chunk.length - pos), left);
            System.arraycopy(chunk, pos, b, off, n);
            pos = pos + n == chunk.length ? 0 : pos + n;
            left -= n;
            return n;
        }
    }
}

package dev.supervision.process.crash;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A separate JVM for {@link CrashHistoryTest}: appends {@code n} reports (see {@link #report}) to the crash
 * history of a tree, prints {@code written}, and exits.
 *
 * <p>Arguments: state directory, tree name, n.
 */
public final class CrashWriterMain {
    private CrashWriterMain() {}

    public static void main(String[] args) {
        CrashHistory history = CrashHistory.open(Path.of(args[0]), args[1]);
        for (int i = 1; i <= Integer.parseInt(args[2]); i++) {
            history.append(report(args[1], i));
        }
        System.out.println("written");
    }

    /** The i-th report: awkward text (quotes, control characters, non-ASCII, a surrogate pair) and every field set. */
    static CrashReport report(String tree, int i) {
        return new CrashReport(tree, i % 2 == 0 ? "vllm" : "trainer", i, Instant.parse("2026-11-23T06:00:00Z").plusSeconds(i),
                i % 3 == 0 ? "GPU_OOM" : "KERNEL_OOM_KILL", i % 3 == 0 ? CrashBasis.OUTPUT_LINE : CrashBasis.KERNEL_COUNTER,
                i % 3 == 0 ? "torch.OutOfMemoryError: CUDA out of memory. \"Tried\" \\ 20.00 MiB\t#" + i
                        : "killed by SIGKILL (exit 137) while the cgroup's oom_kill counter rose from " + i + " to " + (i + 1),
                Optional.of("torch.OutOfMemoryError: CUDA out of memory. \"Tried\" \\ 20.00 MiB\t#" + i),
                Optional.of(new ExitStatus(i % 3 == 0 ? 1 : 137)),
                List.of("line \u0001\u001f\u007f end", "ünïcödé ☃ 😀 \u2028", ""), Duration.ofMillis(1234L * i),
                OptionalLong.of(1L << 33), i % 2 == 0 ? OptionalLong.empty() : OptionalLong.of(80L << 30),
                i % 3 == 0 ? Optional.of("lower --gpu-memory-utilization") : Optional.empty(), List.of("req-" + i, "req-x"));
    }
}

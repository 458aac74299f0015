package dev.supervision.process.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CrashReportTest {
    private static final String OOM = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB";

    @Test
    void aReportReadsAsPlainSentencesWithEveryFact() {
        CrashReport report = new CrashReport("platform", "llm", 3, Instant.parse("2026-12-07T19:52:10Z"), "GPU_OOM",
                CrashBasis.OUTPUT_LINE, OOM, Optional.of(OOM), Optional.of(new ExitStatus(1)), List.of("loading weights", OOM),
                Duration.ofSeconds(185), OptionalLong.of(7L << 30), OptionalLong.of(22L << 30),
                Optional.of("lower --gpu-memory-utilization or the batch size"), List.of("req-1", "req-2"));
        assertThat(report.toString()).isEqualTo("""
                Crash of 'llm' in tree 'platform' (start 3) at 2026-12-07T19:52:10Z, after 3 min 5 s running.
                Kind: GPU_OOM, known by an output line: %s
                How it ended: exit 1.
                Memory at the last sample before the end: 7 GiB resident (whole tree); 22 GiB of GPU memory.
                Advice: lower --gpu-memory-utilization or the batch size
                Requests in flight: 2 (req-1, req-2).
                Last 2 lines of output:
                  | loading weights
                  | %s""".formatted(OOM, OOM));
    }

    @Test
    void whatWasNotMeasuredOrNotKnownSaysSoNeverZeroOrEmpty() {
        CrashReport report = new CrashReport("t", "worker", 1, Instant.parse("2026-12-07T10:00:00Z"), "LIVENESS",
                CrashBasis.CHECK, "liveness GET http://127.0.0.1:8000/health failed 3 times in a row", Optional.empty(),
                Optional.empty(), List.of(), Duration.ofMillis(1500), OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), List.of());
        assertThat(report.toString())
                .contains("after 1.5 s running.")
                .contains("Kind: LIVENESS, known by a failed check: liveness GET")
                .contains("How it ended: no exit status (this supervisor stopped it).")
                .contains("Memory at the last sample before the end: resident memory not measured; GPU memory not measured.")
                .contains("Advice: none known for this kind.")
                .contains("Requests in flight: none recorded.")
                .endsWith("No output was kept.")
                .doesNotContain("Optional", "PT", "=");
    }

    @Test
    void aSignalIsNamed() {
        CrashReport report = new CrashReport("t", "w", 2, Instant.EPOCH, "KILLED", CrashBasis.EXIT_STATUS, "killed by SIGKILL",
                Optional.empty(), Optional.of(new ExitStatus(137)), List.of("last"), Duration.ZERO, OptionalLong.of(0),
                OptionalLong.empty(), Optional.empty(), List.of());
        assertThat(report.toString()).contains("How it ended: killed by SIGKILL (exit 137).").contains("Last 1 line of output:\n  | last");
    }
}

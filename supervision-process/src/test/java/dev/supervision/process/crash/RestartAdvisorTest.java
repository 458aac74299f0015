package dev.supervision.process.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartAdvisorTest {
    private static final String GPU_FLAG = "--gpu-memory-utilization";

    /**
     * A trainer: one step at a time, each step checkpointed to {@code checkpoint-N} (the marker
     * {@code trainer_state.json} written last, by rename) and then logged as completed. At {@code --crash-at}
     * it crashes once, leaving that step's checkpoint half-written (no marker).
     */
    private static final String TRAINER = """
            #!/bin/bash
            set -euo pipefail
            crash_at=0; resume=
            while [ $# -gt 0 ]; do
              case "$1" in
                --out) out=$2; shift 2;;
                --steps-log) log=$2; shift 2;;
                --total) total=$2; shift 2;;
                --crash-at) crash_at=$2; shift 2;;
                --resume-from-checkpoint) resume=$2; shift 2;;
                --resume-from-checkpoint=*) resume=${1#*=}; shift;;
                *) echo "unknown argument $1" >&2; exit 2;;
              esac
            done
            step=0
            if [ -n "$resume" ]; then step=$(cat "$resume/step"); fi
            while [ "$step" -lt "$total" ]; do
              step=$((step + 1))
              ckpt="$out/checkpoint-$step"
              mkdir -p "$ckpt"
              echo "$step" > "$ckpt/step"
              if [ "$step" -eq "$crash_at" ] && [ ! -e "$out/crashed-once" ]; then
                touch "$out/crashed-once"
                echo "RuntimeError: CUDA error: an illegal memory access was encountered (step $step)" >&2
                exit 1
              fi
              echo "{\\"global_step\\": $step}" > "$ckpt/.trainer_state.json.tmp"
              mv "$ckpt/.trainer_state.json.tmp" "$ckpt/trainer_state.json"
              echo "step $step" >> "$log"
            done
            """;

    @TempDir Path dir;

    @Test
    void aCrashedTrainerResumesFromItsNewestCompleteCheckpointAndRedoesNoCompletedStep() throws Exception {
        Path trainer = dir.resolve("train.sh");
        Files.writeString(trainer, TRAINER);
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createDirectories(out.resolve("checkpoint-tmp"));                     // not a number: ignored
        Path log = dir.resolve("steps.log");
        RestartAdvisor advisor = RestartAdvisor.resumeFromCheckpoint(out, "checkpoint-", "--resume-from-checkpoint",
                "trainer_state.json");
        LaunchPlan first = LaunchPlan.of(List.of("bash", trainer.toString(), "--out", out.toString(),
                "--steps-log", log.toString(), "--total", "12", "--crash-at", "11"));
        assertThat(advisor.advise(first, Optional.empty())).as("nothing to resume from yet").isEqualTo(first);

        assertThat(run(first)).isEqualTo(1);
        assertThat(out.resolve("checkpoint-11")).as("half-written").isDirectory();
        assertThat(out.resolve("checkpoint-11/trainer_state.json")).doesNotExist();
        LaunchPlan second = advisor.advise(first, Optional.of(crash("EXIT_CODE")));
        assertThat(second.argv()).containsSubsequence("--resume-from-checkpoint", out.resolve("checkpoint-10").toString())
                .as("by number, not by name: checkpoint-9 sorts after checkpoint-10").doesNotContain(out.resolve("checkpoint-9").toString());

        assertThat(run(second)).isZero();
        assertThat(Files.readAllLines(log))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 12).mapToObj(i -> "step " + i).toList());
    }

    @Test
    void theCheckpointFlagIsReplacedInTheFormItWasWritten() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        for (String c : List.of("checkpoint-900", "checkpoint-1000", "checkpoint-1100")) {
            Files.createDirectories(out.resolve(c));
        }
        Files.writeString(out.resolve("checkpoint-900/done"), "");
        Files.writeString(out.resolve("checkpoint-1000/done"), "");
        RestartAdvisor advisor = RestartAdvisor.resumeFromCheckpoint(out, "checkpoint-", "--resume",
                p -> Files.exists(p.resolve("done")));
        String newest = out.resolve("checkpoint-1000").toString();

        assertThat(advisor.advise(LaunchPlan.of(List.of("t", "--resume=/old", "-x")), Optional.empty()).argv())
                .containsExactly("t", "--resume=" + newest, "-x");
        assertThat(advisor.advise(LaunchPlan.of(List.of("t", "--resume", "/old")), Optional.empty()).argv())
                .containsExactly("t", "--resume", newest);
        assertThat(RestartAdvisor.resumeFromCheckpoint(dir.resolve("absent"), "checkpoint-", "--resume", "done")
                .advise(LaunchPlan.of(List.of("t")), Optional.empty())).isEqualTo(LaunchPlan.of(List.of("t")));
    }

    @Test
    void stepDownLowersTheFlagAfterAMatchingCrashWithoutFloatNoiseAndNeverBelowTheFloor() {
        RestartAdvisor advisor = RestartAdvisor.stepDown(GPU_FLAG, 0.05, 0.7, Set.of("GPU_OOM"));
        LaunchPlan plan = LaunchPlan.of(List.of("vllm", "serve", "m", GPU_FLAG, "0.9", "--port", "8000"));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            plan = advisor.advise(plan, Optional.of(crash("GPU_OOM")));
            values.add(plan.argv().get(4));
        }
        assertThat(values).containsExactly("0.85", "0.8", "0.75", "0.7", "0.7", "0.7");
        assertThat(plan.argv()).containsExactly("vllm", "serve", "m", GPU_FLAG, "0.7", "--port", "8000");

        LaunchPlan equalsForm = LaunchPlan.of(List.of("vllm", GPU_FLAG + "=0.9"));
        assertThat(RestartAdvisor.stepDown(GPU_FLAG, 0.25, 0.5, Set.of("GPU_OOM")).advise(equalsForm, Optional.of(crash("GPU_OOM")))
                .argv()).containsExactly("vllm", GPU_FLAG + "=0.65");
        assertThat(RestartAdvisor.stepDown(GPU_FLAG, 0.3, 0.5, Set.of("GPU_OOM")).advise(equalsForm, Optional.of(crash("GPU_OOM")))
                .argv()).as("one step").containsExactly("vllm", GPU_FLAG + "=0.6");
        assertThat(RestartAdvisor.stepDown(GPU_FLAG, 0.5, 0.5, Set.of("GPU_OOM")).advise(equalsForm, Optional.of(crash("GPU_OOM")))
                .argv()).as("clamped to the floor").containsExactly("vllm", GPU_FLAG + "=0.5");
    }

    @Test
    void stepDownChangesNothingWithoutACrashOfOneOfItsKindsOrWithoutTheFlag() {
        RestartAdvisor advisor = RestartAdvisor.stepDown(GPU_FLAG, 0.05, 0.5, Set.of("GPU_OOM"));
        LaunchPlan plan = new LaunchPlan(List.of("vllm", GPU_FLAG, "0.9"), java.util.Map.of("A", "1"));
        assertThat(advisor.advise(plan, Optional.empty())).isSameAs(plan);
        assertThat(advisor.advise(plan, Optional.of(crash("KERNEL_OOM_KILL")))).isSameAs(plan);
        LaunchPlan without = LaunchPlan.of(List.of("vllm", "serve"));
        assertThat(advisor.advise(without, Optional.of(crash("GPU_OOM")))).isSameAs(without);
        assertThat(advisor.advise(plan, Optional.of(crash("GPU_OOM"))).environment()).containsEntry("A", "1");
        assertThatThrownBy(() -> advisor.advise(LaunchPlan.of(List.of("vllm", GPU_FLAG, "high")), Optional.of(crash("GPU_OOM"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--gpu-memory-utilization must be a number to step it down, was 'high'");
    }

    @Test
    void advisorsChainInOrder() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out/checkpoint-3"));
        RestartAdvisor chained = RestartAdvisor.resumeFromCheckpoint(dir.resolve("out"), "checkpoint-", "--resume", p -> true)
                .andThen(RestartAdvisor.stepDown("--lr", 0.001, 0.0, Set.of("NAN_LOSS")))
                .andThen((p, c) -> p.withEnvironment("RETRY", "1"));
        LaunchPlan next = chained.advise(LaunchPlan.of(List.of("train", "--lr", "0.003")), Optional.of(crash("NAN_LOSS")));
        assertThat(next.argv()).containsExactly("train", "--lr", "0.002", "--resume", out.toString());
        assertThat(next.environment()).containsExactly(java.util.Map.entry("RETRY", "1"));
    }

    @Test
    void badSettingsAreRejectedNamingTheSettingAndTheValue() {
        Set<String> kinds = Set.of("GPU_OOM");
        assertThatThrownBy(() -> RestartAdvisor.stepDown(" ", 0.05, 0.5, kinds)).hasMessage("flag must not be blank, was ' '");
        assertThatThrownBy(() -> RestartAdvisor.stepDown(GPU_FLAG, 0, 0.5, kinds)).hasMessage("step must be positive and finite, was 0.0");
        assertThatThrownBy(() -> RestartAdvisor.stepDown(GPU_FLAG, Double.NaN, 0.5, kinds)).hasMessage("step must be positive and finite, was NaN");
        assertThatThrownBy(() -> RestartAdvisor.stepDown(GPU_FLAG, 0.05, Double.NEGATIVE_INFINITY, kinds))
                .hasMessage("floor must be finite, was -Infinity");
        assertThatThrownBy(() -> RestartAdvisor.stepDown(GPU_FLAG, 0.05, 0.5, Set.of())).hasMessage("kinds must not be empty, was []");
        assertThatThrownBy(() -> RestartAdvisor.resumeFromCheckpoint(dir, "", "--resume", "done"))
                .hasMessage("prefix must not be blank, was ''");
        assertThatThrownBy(() -> RestartAdvisor.resumeFromCheckpoint(dir, "checkpoint-", "--resume", "a/b"))
                .hasMessage("markerFile must be a plain file name, was 'a/b'");
        assertThatThrownBy(() -> LaunchPlan.of(List.of())).hasMessage("argv must not be empty, was []");
    }

    private static int run(LaunchPlan plan) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(plan.argv()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(plan.environment());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("trainer finished").isTrue();
        return p.exitValue();
    }

    private static CrashReport crash(String kind) {
        return new CrashReport("t", "trainer", 1, Instant.now(), kind, CrashBasis.OUTPUT_LINE, "a line", Optional.empty(),
                Optional.of(new ExitStatus(1)),
                List.of(), Duration.ofSeconds(5), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), List.of());
    }
}

package dev.supervision.examples.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer demo, run as README runs it (its own JVM, real trainer processes). */
class TrainerDemoTest {
    @TempDir Path dir;

    @Test
    void theTrainerIsResumedFromItsNewestCompleteCheckpointAndFinishesEveryStep() throws Exception {
        Path out = dir.resolve("out.txt");
        Process demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), TrainerDemo.class.getName())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!demo.waitFor(120, TimeUnit.SECONDS)) {
            demo.destroyForcibly();
            throw new AssertionError("the demo did not end: " + Files.readString(out));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(demo.exitValue()).as(text).isZero();
        assertThat(text).contains("checkpoints on disk: [checkpoint-10, checkpoint-20 (half-written)]",
                "start 3: resume from checkpoint-10", "start 4: resume from checkpoint-20",
                "3 crashes [GPU_OOM, SEGFAULT, NCCL_TIMEOUT]; 120 steps, ALL DONE",
                "no checkpointed step was redone");
    }
}

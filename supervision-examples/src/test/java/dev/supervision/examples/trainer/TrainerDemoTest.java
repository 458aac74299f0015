package dev.supervision.examples.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.examples.DemoJvm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer demo, run as README runs it (its own JVM, real trainer processes). */
class TrainerDemoTest {
    @TempDir Path dir;

    @Test
    void theTrainerIsResumedFromItsNewestCompleteCheckpointAndFinishesEveryStep() throws Exception {
        String text = DemoJvm.run(dir, TrainerDemo.class, 120);
        assertThat(text).contains("checkpoints on disk: [checkpoint-10, checkpoint-20 (half-written)]",
                "start 3: resume from checkpoint-10", "start 4: resume from checkpoint-20",
                "3 crashes [GPU_OOM, SEGFAULT, NCCL_TIMEOUT]; 120 steps, ALL DONE",
                "no checkpointed step was redone");
    }
}

package dev.supervision.examples.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.examples.DemoJvm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LLM demo, run as README runs it (its own JVM, real server processes): its story must be told. */
class LlmDemoTest {
    @TempDir Path dir;

    @Test
    void eachFaultIsClassifiedAndTheServiceComesBack() throws Exception {
        String text = DemoJvm.run(dir, LlmDemo.class, 200, "150");
        assertThat(text).contains("CRASH classified GPU_OOM: torch.OutOfMemoryError: CUDA out of memory",
                "CRASH classified LIVENESS", "memory guard: RSS_LIMIT", "CRASH classified MEMORY_LIMIT",
                "ready after", "start 4", "client | service BACK",
                "{GPU_OOM=1, LIVENESS=1, MEMORY_LIMIT=1}");
        assertThat(text).containsPattern("llm STOPPED restarts=3");
    }
}

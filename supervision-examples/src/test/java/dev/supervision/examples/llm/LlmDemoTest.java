package dev.supervision.examples.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LLM demo, run as README runs it (its own JVM, real server processes): its story must be told. */
class LlmDemoTest {
    @TempDir Path dir;

    @Test
    void eachFaultIsClassifiedAndTheServiceComesBack() throws Exception {
        Path out = dir.resolve("out.txt");
        Process demo = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LlmDemo.class.getName(), "150")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!demo.waitFor(200, TimeUnit.SECONDS)) {
            demo.destroyForcibly();
            throw new AssertionError("the demo did not end: " + Files.readString(out));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(demo.exitValue()).as(text).isZero();
        assertThat(text).contains("CRASH classified GPU_OOM: torch.OutOfMemoryError: CUDA out of memory",
                "CRASH classified LIVENESS", "memory guard: RSS_LIMIT", "CRASH classified MEMORY_LIMIT",
                "ready after", "start 4", "client | service BACK",
                "{GPU_OOM=1, LIVENESS=1, MEMORY_LIMIT=1}");
        assertThat(text).containsPattern("llm STOPPED restarts=3");
    }
}

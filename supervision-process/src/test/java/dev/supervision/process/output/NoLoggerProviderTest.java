package dev.supervision.process.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.testing.TestProcesses;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A program that supervises a child with the default output sink (the logger) but has no SLF4J provider: the child's
 * lines cannot be logged, and the library says so once on stderr instead of losing them silently.
 */
class NoLoggerProviderTest {
    /** The program: a child that writes two lines, under the default sinks; run without slf4j-simple. */
    public static final class Program {
        private Program() {}

        public static void main(String[] args) throws Exception {
            try (Supervisor sup = Supervisor.start(SupervisorSpec.builder("no-provider").shutdownHook(false).intensity(10, Duration.ofMinutes(1))
                    .child(ProcessSpec.builder("talker").command("sh", "-c", "echo one; echo two; sleep 0.2")
                            .stateDirectory(Path.of(args[0])).build().childSpec()).build())) {
                // The program's run: until the child wrote its lines and ended once (its output pumped), then stop.
                await().atMost(Duration.ofSeconds(30)).until(() -> sup.whichChildren().join().getFirst().restarts() >= 1);
            }
        }
    }

    @Test
    void withoutAnSlf4jProviderTheFirstLoggerSinkSaysTheLinesAreLost() throws Exception {
        String classpath = Arrays.stream(TestProcesses.classPath().split(File.pathSeparator))
                .filter(e -> !e.contains("slf4j-simple")).collect(Collectors.joining(File.pathSeparator));
        Path state = java.nio.file.Files.createTempDirectory("no-provider");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classpath, Program.class.getName(), state.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("supervision: the output of process child 'talker' goes to the logger sink (the default),"
                + " but no SLF4J provider is on the class path, so its lines are lost");
        assertThat(out.split("goes to the logger sink", -1)).as("said once").hasSize(2);
    }
}

package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShutdownHookTest {
    @Test
    void sigtermToTheJvmStopsTheTreeInReverseOrder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("stops.txt");
        Process p = ChildJvm.start(List.of(), ShutdownHookMain.class, out.toString());
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
            String line;
            while ((line = r.readLine()) != null && !line.equals("ready")) {
                // skip anything the child JVM prints before it is ready
            }
            assertThat(line).as("child JVM said ready").isEqualTo("ready");
            p.destroy();                                   // SIGTERM: runs the JVM's shutdown hooks
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(out) && Files.readAllLines(out).size() == 3);
            assertThat(Files.readAllLines(out)).containsExactly("stop:third", "stop:second", "stop:first");
        } finally {
            p.destroyForcibly();
        }
    }
}

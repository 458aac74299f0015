package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervising JVM itself is killed with {@code kill -9}: its process children (with a grandchild and a
 * {@code setsid}-detached grandchild each) live on as orphans. Starting the same tree again finds and stops
 * every one of them before launching the new children.
 */
@ExtendWith(LeftoverProcessCheck.class)
class JvmKilledTest {
    @TempDir Path dir;

    @Test
    void aNewStartOfTheTreeStopsWhatAKilledJvmLeftBehindBeforeLaunching() throws Exception {
        String tree = TestProcesses.tree("jvm-killed");
        Path stateDir = dir.resolve("state");
        Path script = dir.resolve("worker.sh");
        Files.writeString(script, String.join("\n", "sleep 300 &", "setsid -f sleep 300", "trap '' TERM", "exec sleep 300", ""));
        Process jvm = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp", TestProcesses.classPath(),
                TreeMain.class.getName(), stateDir.toString(), tree, "2", script.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("ready"));
            assertThat(line).as("the separate JVM printed ready").isEqualTo("ready");
        }
        List<ProcessRef> old = await().atMost(Duration.ofSeconds(20)).until(() -> TestProcesses.tagged(tree), l -> l.size() == 6);
        jvm.destroyForcibly();                                                        // kill -9
        assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(old).allMatch(ProcessScan::isAlive);                               // orphans now

        List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
        try (Supervisor again = Supervisor.start(TreeMain.spec(stateDir, tree, 2, script).listener(events::add).build())) {
            assertThat(old).noneMatch(ProcessScan::isAlive);
            assertThat(again.countChildren().join().active()).isEqualTo(2);
            List<ProcessRef> now = TestProcesses.tagged(tree);
            assertThat(now).hasSize(6).doesNotContainAnyElementsOf(old);
            assertThat(events).filteredOn(e -> e instanceof SupervisorEvent.ChildNoticed n
                    && n.notice() instanceof ProcessEvent.OrphansCleaned).hasSize(1);
            ProcessEvent.OrphansCleaned cleaned = events.stream()
                    .filter(e -> e instanceof SupervisorEvent.ChildNoticed n && n.notice() instanceof ProcessEvent.OrphansCleaned)
                    .map(e -> (ProcessEvent.OrphansCleaned) ((SupervisorEvent.ChildNoticed) e).notice()).findFirst().orElseThrow();
            assertThat(cleaned.processes()).hasSizeGreaterThanOrEqualTo(6);
        }
        assertThat(TestProcesses.tagged(tree)).isEmpty();
    }
}

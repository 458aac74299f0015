package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorException;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a process child keeps in its state directory, and how a user finds it from the running tree. */
@ExtendWith(LeftoverProcessCheck.class)
class StateDirectoryTest {
    @TempDir Path dir;

    private ProcessSpec.Builder proc(String id, String... command) {
        return ProcessSpec.builder(id).command(command).stateDirectory(dir.resolve("state"))
                .startSeconds(Duration.ofMillis(100)).stopTimeout(Duration.ofSeconds(2));
    }

    private static SupervisorSpec.Builder tree(String name) {
        return SupervisorSpec.builder(TestProcesses.tree(name)).shutdownHook(false).intensity(10, Duration.ofSeconds(10));
    }

    private List<Path> everythingUnder(Path root) throws IOException {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root)).toList();
        }
    }

    @Test
    void aStartThatFailsLeavesNothingInTheStateDirectory() throws IOException {
        assertThatThrownBy(() -> Supervisor.start(tree("missing").child(proc("srv", dir.resolve("no-such-program").toString())).build()))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("no-such-program");
        assertThat(everythingUnder(dir.resolve("state"))).isEmpty();
    }

    @Test
    void theCrashHistoryOfARunningChildIsReachedFromItsSupervisor() throws IOException {
        Path marker = dir.resolve("crashed-once");
        Path script = TestProcesses.script(dir, "crash-once.sh", "if [ ! -e " + marker + " ]; then touch " + marker
                + "; sleep 0.5; echo 'CUDA error: out of memory' >&2; exit 3; fi\nexec sleep 1000");   // crashes once, started
        ProcessSpec llm = proc("llm", script.toString()).backoff(dev.supervision.Backoff.none()).build();
        try (Supervisor sup = Supervisor.start(tree("history").child(llm).build())) {
            CrashHistory history = llm.crashHistory(sup).orElseThrow();
            await().atMost(Duration.ofSeconds(20)).until(() -> !history.recent("llm", 5).isEmpty());
            CrashReport report = history.recent("llm", 5).get(0);
            assertThat(report.tree()).isEqualTo(sup.name());
            assertThat(report.toString()).contains("Crash of 'llm'").contains("How it ended: exit 3.");
            assertThat(history.file()).startsWith(dir.resolve("state")).exists();
        }
        ProcessSpec off = proc("quiet", "sleep", "1000").crashHistory(false).build();
        try (Supervisor sup = Supervisor.start(tree("no-history").child(off).build())) {
            assertThat(off.crashHistory(sup)).isEmpty();
        }
    }
}

package dev.supervision.process;

import static org.awaitility.Awaitility.await;

import dev.supervision.ChildInfo;
import dev.supervision.ChildSpec;
import dev.supervision.ChildState;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.probe.Probe;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A nested supervisor of process children whose start times out is stopped, and its replacement starts only
 * once that stop is over: the replacement's processes carry the same tags (tree, child, incarnation), and the
 * old stop's sweeps would otherwise signal them.
 */
@ExtendWith(LeftoverProcessCheck.class)
class NestedRestartTest {
    @TempDir Path dir;

    @Test
    void theStopOfANestedTreeGivenUpOnNeverReachesItsReplacement() throws IOException {
        Path log = dir.resolve("a.log");
        Path bReady = dir.resolve("b-ready");
        Files.writeString(bReady, "");
        // A takes 2 s to stop, logging each start and each SIGTERM with its pid; B is ready while b-ready exists.
        Path a = TestProcesses.script(dir, "a.sh", "echo \"START $$\" >> " + log + "\n"
                + "trap 'echo \"TERM $$\" >> " + log + "; sleep 2; exit 0' TERM\n"
                + "while true; do sleep 0.1; done\n");
        Path b = TestProcesses.script(dir, "b.sh", "exec sleep 300\n");
        SupervisorSpec nested = SupervisorSpec.builder(TestProcesses.tree("nested")).intensity(0, Duration.ofSeconds(5))
                .child(ProcessSpec.builder("A").command(a.toString()).stateDirectory(dir.resolve("state"))
                        .startSeconds(Duration.ofMillis(200)).stopTimeout(Duration.ofSeconds(5)))
                .child(ProcessSpec.builder("B").command(b.toString()).stateDirectory(dir.resolve("state"))
                        .readiness(Probe.file(bReady)).stopTimeout(Duration.ofSeconds(1)))
                .build();
        List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
        try (Supervisor parent = Supervisor.start(SupervisorSpec.builder(TestProcesses.tree("parent")).shutdownHook(false)
                .intensity(10, Duration.ofSeconds(60)).listener(events::add)
                .child(ChildSpec.supervisor(nested).startTimeout(Duration.ofSeconds(3))).build())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> starts(log).size() == 1);
            // The nested tree gives up (A killed, intensity 0); its restart then times out (B never ready)...
            Files.delete(bReady);
            ProcessHandle.of(starts(log).get(0)).ifPresent(ProcessHandle::destroyForcibly);
            await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(e -> e instanceof SupervisorEvent.StartFailed));
            // ...and the next one starts fine: its A must never get the old stop's SIGTERM.
            Files.writeString(bReady, "");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                ChildInfo x = parent.whichChildren().join().get(0);
                return x.state() == ChildState.RUNNING && x.incarnation() >= 3;
            });
            long newest = starts(log).get(starts(log).size() - 1);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                    .until(() -> !Files.readAllLines(log).contains("TERM " + newest));
        }
    }

    /** The pids of A's starts, in order. */
    private static List<Long> starts(Path log) throws IOException {
        if (!Files.exists(log)) return List.of();
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("START ")).map(l -> Long.parseLong(l.substring(6))).toList();
    }
}

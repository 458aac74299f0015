package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.ChildNotice;
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
 * every one of them before launching the new children: each new child, as it starts, finds none of them running.
 */
@ExtendWith(LeftoverProcessCheck.class)
class JvmKilledTest {
    @TempDir Path dir;

    @Test
    void aNewStartOfTheTreeStopsWhatAKilledJvmLeftBehindBeforeLaunching() throws Exception {
        String tree = TestProcesses.tree("jvm-killed");
        Path stateDir = dir.resolve("state");
        Path oldRun = dir.resolve("old-run");
        Path seen = dir.resolve("seen");
        Path script = dir.resolve("worker.sh");
        // A worker of the new run first notes which of the old run's processes (pid and start time) still run.
        Files.writeString(script, String.join("\n",
                "running() { local s want=$2; s=$(cat /proc/$1/stat 2>/dev/null) || return 1; set -- ${s##*) };"
                        + " [ \"$1\" != Z ] && [ \"${20}\" = \"$want\" ]; }",
                "if [ -f " + oldRun + " ]; then",
                "  alive=''; while read p start; do if running $p $start; then alive=\"$alive $p\"; fi; done < " + oldRun,
                "  echo \"$$ found running:$alive\" >> " + seen,
                "fi",
                "sleep 300 &", "setsid -f sleep 300", "trap '' TERM", "exec sleep 300", ""));
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
        Files.write(oldRun, old.stream().map(p -> p.pid() + " " + p.startTime()).toList());

        List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
        try (Supervisor again = Supervisor.start(TreeMain.spec(stateDir, tree, 2, script).listener(events::add).build())) {
            List<Long> mains = again.whichChildren().join().stream().map(c -> ((ProcessDetails) c.details().orElseThrow()).pid())
                    .toList();
            List<String> found = await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(seen) ? Files.readAllLines(seen) : List.<String>of(), l -> l.size() == 2);
            assertThat(found).as("what each new child found running of the old run as it started")
                    .containsExactlyInAnyOrderElementsOf(mains.stream().map(pid -> pid + " found running:").toList());
            List<ChildNotice> notices = await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                    .filter(e -> e instanceof SupervisorEvent.ChildNoticed).map(e -> ((SupervisorEvent.ChildNoticed) e).notice())
                    .toList(), n -> n.stream().anyMatch(ProcessEvent.OrphansCleaned.class::isInstance));
            assertThat(notices.getFirst()).as("the first notice, before any launch").isInstanceOfSatisfying(
                    ProcessEvent.OrphansCleaned.class, c -> assertThat(c.processes()).hasSizeGreaterThanOrEqualTo(6));
            assertThat(notices).filteredOn(ProcessEvent.OrphansCleaned.class::isInstance).hasSize(1);
            assertThat(notices).filteredOn(ProcessEvent.Launched.class::isInstance).hasSize(2);
            assertThat(old).noneMatch(ProcessScan::isAlive);
            assertThat(TestProcesses.tagged(tree)).hasSize(6).doesNotContainAnyElementsOf(old);
        }
        assertThat(TestProcesses.tagged(tree)).isEmpty();
    }
}

package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A JVM stopped with SIGTERM (Ctrl-C, systemd, Docker) while its tree's first child is still starting, in the
 * root supervisor or in a nested one: the shutdown hook is already there, and the starting process tree goes
 * with the JVM.
 */
@ExtendWith(LeftoverProcessCheck.class)
class ShutdownWhileStartingTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"root", "nested"})
    void sigtermWhileTheFirstChildIsStillStartingLeavesNoProcess(String where) throws Exception {
        String tree = TestProcesses.tree("stopped-starting-" + where);
        Path script = dir.resolve("loading.sh");
        Files.writeString(script, "sleep 300 &\nexec sleep 300\n");
        Process jvm = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp", TestProcesses.classPath(),
                StartingTreeMain.class.getName(), dir.resolve("state").toString(), tree, script.toString(), where)
                .redirectErrorStream(true).redirectOutput(dir.resolve("jvm.log").toFile()).start();
        try {
            List<ProcessRef> loading = await().atMost(Duration.ofSeconds(30)).until(() -> TestProcesses.tagged(tree), l -> l.size() == 2);
            jvm.destroy();                                                          // SIGTERM: the shutdown hooks run
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> loading.stream().noneMatch(ProcessScan::isAlive));
            assertThat(TestProcesses.tagged(tree)).isEmpty();
        } finally {
            jvm.destroyForcibly();
            ProcessScan.scan(t -> t.tree().equals(tree))
                    .forEach(t -> ProcessHandle.of(t.process().pid()).ifPresent(ProcessHandle::destroyForcibly));
        }
    }
}

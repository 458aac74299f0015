package dev.supervision.process.internal.tree;

import static dev.supervision.process.testing.TestProcesses.script;
import static dev.supervision.process.testing.TestProcesses.tagged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@ExtendWith(LeftoverProcessCheck.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
class OrphanCleanupTest {
    @TempDir
    Path dir;

    @Test
    void aNewRunStopsEverythingAJvmKilledWithSigkillLeftBehind() throws Exception {
        String tree = TestProcesses.tree("kill-9");
        Path stateDir = dir.resolve("state");
        // Each child: a grandchild, a setsid-detached grandchild, and a root that ignores SIGTERM.
        Path child = script(dir, "child.sh", String.join("\n",
                "sleep 300 &",
                "setsid -f sleep 300",
                "trap '' TERM",
                "exec sleep 300"));
        Process jvm = new ProcessBuilder(javaCommand(), "-cp", classPath(), OrphanMaker.class.getName(),
                stateDir.toString(), tree, "3", child.toString())
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("ready"));
            assertThat(line).as("the separate JVM printed ready").isEqualTo("ready");
        }
        List<ProcessRef> before = await().atMost(Duration.ofSeconds(20)).until(() -> tagged(tree), l -> l.size() == 9);

        jvm.destroyForcibly(); // kill -9
        assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(jvm.exitValue()).isEqualTo(137);
        assertThat(before).allMatch(ProcessScan::isAlive);

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Ledger ledger = new Ledger(stateDir, tree);
            assertThat(ledger.entries()).hasSize(3);

            OrphanReport report = ledger.cleanupOrphans(new TreeStopper(scheduler), Duration.ofMillis(300))
                    .get(30, TimeUnit.SECONDS);

            LoggerFactory.getLogger(getClass()).info("{}", report);
            assertThat(report.stop().clean()).as(report.toString()).isTrue();
            assertThat(report.found()).hasSizeGreaterThanOrEqualTo(before.size());
            assertThat(report.found()).filteredOn(OrphanReport.Orphan::inLedger)
                    .extracting(OrphanReport.Orphan::child).containsExactlyInAnyOrder("child-0", "child-1", "child-2");
            assertThat(report.found()).extracting(OrphanReport.Orphan::process).containsAll(before);
            assertThat(report.stop().killed()).isNotEmpty();
            assertThat(before).noneMatch(ProcessScan::isAlive);
            assertThat(tagged(tree)).isEmpty();
            assertThat(new Ledger(stateDir, tree).entries()).isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void processesOfAnotherLiveRunOfTheSameTreeAreLeftAlone() throws Exception {
        String tree = TestProcesses.tree("two-live-runs");
        Path stateDir = dir.resolve("state");
        Path child = script(dir, "child.sh", "exec sleep 300");
        Process jvm = new ProcessBuilder(javaCommand(), "-cp", classPath(), OrphanMaker.class.getName(),
                stateDir.toString(), tree, "2", child.toString()).redirectErrorStream(true).start();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("ready"));
            assertThat(line).isEqualTo("ready");
            List<ProcessRef> theirs = await().atMost(Duration.ofSeconds(20)).until(() -> tagged(tree), l -> l.size() == 2);

            OrphanReport whileAlive = new Ledger(stateDir, tree).cleanupOrphans(new TreeStopper(scheduler), Duration.ofMillis(300))
                    .get(30, TimeUnit.SECONDS);
            assertThat(whileAlive.nothingFound()).as(whileAlive.toString()).isTrue();
            assertThat(theirs).allMatch(ProcessScan::isAlive);

            jvm.destroyForcibly();                                       // now they are orphans
            assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
            OrphanReport afterDeath = new Ledger(stateDir, tree).cleanupOrphans(new TreeStopper(scheduler), Duration.ofMillis(300))
                    .get(30, TimeUnit.SECONDS);
            assertThat(afterDeath.found()).extracting(OrphanReport.Orphan::process).containsAll(theirs);
            assertThat(theirs).noneMatch(ProcessScan::isAlive);
        } finally {
            jvm.destroyForcibly();
            scheduler.shutdownNow();
        }
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Test classes, main classes and slf4j: where the classes were loaded from (surefire may use the module path). */
    private static String classPath() throws Exception {
        return String.join(File.pathSeparator,
                location(OrphanMaker.class), location(Ledger.class), location(LoggerFactory.class));
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

package dev.supervision.process.internal.tree;

import static dev.supervision.process.testing.TestProcesses.launch;
import static dev.supervision.process.testing.TestProcesses.script;
import static dev.supervision.process.testing.TestProcesses.stopTree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeftoverProcessCheck.class)
class LedgerTest {
    @TempDir
    Path dir;

    private ScheduledExecutorService scheduler;
    private TreeStopper stopper;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        stopper = new TreeStopper(scheduler);
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void entriesSurviveReopeningAndATornLastLineIsIgnored() throws Exception {
        Ledger ledger = new Ledger(dir, "a tree/with ../odd name");
        ledger.record(new ProcessRef(100, 5), new ProcessTag(ledger.tree(), "child one", 1, "run-a"));
        ledger.record(new ProcessRef(101, 6), new ProcessTag(ledger.tree(), "child two", 2, "run-a"));
        ledger.remove(new ProcessRef(100, 5));
        assertThat(ledger.file().getParent().getParent()).isEqualTo(dir);
        Files.writeString(ledger.file(), "+ 102 7 1 run-a torn", StandardOpenOption.APPEND);

        List<Ledger.Entry> entries = new Ledger(dir, "a tree/with ../odd name").entries();

        assertThat(entries).containsExactly(new Ledger.Entry(new ProcessRef(101, 6), "child two", 2, "run-a"));
    }

    @Test
    void aLineWithABadChecksumIsIgnored() throws Exception {
        Ledger ledger = new Ledger(dir, "t");
        ledger.record(new ProcessRef(100, 5), new ProcessTag("t", "c", 1, "r"));
        String text = Files.readString(ledger.file()).replace("+ 100 5", "+ 999 5");
        Files.writeString(ledger.file(), text + "garbage\n");

        assertThat(new Ledger(dir, "t").entries()).isEmpty();
    }

    @Test
    void compactsWhenDeadRecordsDominate() throws Exception {
        Ledger ledger = new Ledger(dir, "t");
        for (int i = 1; i <= 100; i++) {
            ledger.record(new ProcessRef(i, i), new ProcessTag("t", "c", i, "r"));
        }
        for (int i = 1; i <= 99; i++) {
            ledger.remove(new ProcessRef(i, i));
        }
        assertThat(Files.readAllLines(ledger.file(), StandardCharsets.UTF_8).size()).isLessThan(120);
        assertThat(new Ledger(dir, "t").entries()).extracting(e -> e.process().pid()).containsExactly(100L);
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        Ledger ledger = new Ledger(dir, "t");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int base = t * 1000;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 1; i <= 25; i++) {
                    ledger.record(new ProcessRef(base + i, i), new ProcessTag("t", "c" + base, i, "r"));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(new Ledger(dir, "t").entries()).hasSize(200);
    }

    @Test
    void rejectsATagOfAnotherTree() {
        Ledger ledger = new Ledger(dir, "t");
        assertThatThrownBy(() -> ledger.record(new ProcessRef(1, 1), ProcessTag.of("other", "c", 1)))
                .hasMessageContaining("'other'").hasMessageContaining("'t'");
    }

    @Test
    void aReusedPidIsNeverTakenForAnOrphan() throws Exception {
        String tree = TestProcesses.tree("pid-reuse");
        // An untagged process now owns the pid a dead predecessor recorded with another start time.
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        try {
            long realStart = ProcessScan.startTime(unrelated.pid()).orElseThrow();
            Ledger ledger = new Ledger(dir, tree);
            ledger.record(new ProcessRef(unrelated.pid(), realStart - 1), new ProcessTag(tree, "c", 1, "dead-run"));

            OrphanReport report = cleanup(ledger);

            assertThat(report.found()).isEmpty();
            assertThat(report.staleEntries()).isEqualTo(1);
            assertThat(unrelated.isAlive()).isTrue();
            assertThat(new Ledger(dir, tree).entries()).isEmpty();
        } finally {
            unrelated.destroyForcibly().waitFor();
        }
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
    void anEntryWrittenInAnEarlierBootIsStaleEvenWhenItsPidAndStartTimeMatch() throws Exception {
        String tree = TestProcesses.tree("reboot");
        // What a reboot can bring about: a process with exactly the recorded pid and start time (ticks since boot).
        Process unrelated = new ProcessBuilder("sleep", "300").start();
        try {
            ProcessRef same = ProcessScan.ref(unrelated.pid()).orElseThrow();
            Ledger ledger = new Ledger(dir, tree);
            Files.createDirectories(ledger.file().getParent());     // a ledger creates its directory with its first record
            String entry = "+ " + same.pid() + " " + same.startTime() + " 1 dead-run c 00000000-0000-0000-0000-000000000000";
            Files.writeString(ledger.file(), entry + " " + crc32(entry) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);

            OrphanReport report = cleanup(new Ledger(dir, tree));

            assertThat(report.found()).isEmpty();
            assertThat(report.staleEntries()).isEqualTo(1);
            assertThat(unrelated.isAlive()).isTrue();
            assertThat(Files.readString(ledger.file())).doesNotContain("dead-run");
        } finally {
            unrelated.destroyForcibly().waitFor();
        }
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
    void anEntryOfThisBootIsAnOrphanWhenItsRunIsDead() throws Exception {
        String tree = TestProcesses.tree("same-boot");
        Process orphan = new ProcessBuilder("sleep", "300").start();
        try {
            ProcessRef ref = ProcessScan.ref(orphan.pid()).orElseThrow();
            new Ledger(dir, tree).record(ref, new ProcessTag(tree, "c", 1, "dead-run"));
            assertThat(Files.readString(new Ledger(dir, tree).file())).contains(" " + Ledger.BOOT + " ");

            OrphanReport report = cleanup(new Ledger(dir, tree));

            assertThat(report.found()).extracting(OrphanReport.Orphan::process).containsExactly(ref);
            await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
        } finally {
            orphan.destroyForcibly().waitFor();
        }
    }

    /** The orphan cleanup of {@code ledger}, with a short stop timeout, awaited. */
    private OrphanReport cleanup(Ledger ledger) throws Exception {
        return ledger.cleanupOrphans(stopper, Duration.ofMillis(200)).get(20, TimeUnit.SECONDS);
    }

    private static String crc32(String text) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(text.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(c.getValue());
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
    void processesOfTheCurrentRunAreNotOrphans() throws Exception {
        String tree = TestProcesses.tree("own-run");
        ProcessTag tag = ProcessTag.of(tree, "c", 1);
        Process p = launch(tag, script(dir, "s.sh", "exec sleep 300"));
        await().atMost(Duration.ofSeconds(10)).until(() -> TestProcesses.tagged(tree).size() == 1);
        Ledger ledger = new Ledger(dir, tree);
        ledger.record(ProcessScan.ref(p.pid()).orElseThrow(), tag);

        OrphanReport report = cleanup(ledger);

        assertThat(report.nothingFound()).as(report.toString()).isTrue();
        assertThat(p.isAlive()).isTrue();
        assertThat(ledger.entries()).hasSize(1);
        assertThat(stopTree(stopper, p, Signal.TERM, Duration.ofSeconds(5), tag).get(20, TimeUnit.SECONDS).clean()).isTrue();
    }
}

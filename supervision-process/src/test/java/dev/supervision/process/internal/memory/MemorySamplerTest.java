package dev.supervision.process.internal.memory;

import static dev.supervision.process.testing.TestProcesses.awaitFile;
import static dev.supervision.process.testing.TestProcesses.launch;
import static dev.supervision.process.testing.TestProcesses.script;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeftoverProcessCheck.class)
class MemorySamplerTest {
    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killEverything() throws InterruptedException {
        for (Process p : started) {
            List<ProcessHandle> tree = p.descendants().toList();
            p.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            p.waitFor();
        }
    }

    private ProcessRef start(String name, String body) throws Exception {
        Process p = launch(ProcessTag.of(TestProcesses.tree("memory"), name, 1), script(dir, name + ".sh", body));
        started.add(p);
        return ProcessScan.ref(p.pid()).orElseThrow();
    }

    @Test
    void aChildThatGrowsItsMemoryTripsTheTreeRssLimit() throws Exception {
        assumeTrue(ProcessScan.procAvailable(), "no /proc: sampling a tree's RSS from /proc was not tested");
        Path go = dir.resolve("go");
        Path ready = dir.resolve("ready");
        // bash appends 1 MiB to a variable every 20 ms once told to start: up to 400 MiB.
        ProcessRef root = start("grower", "touch " + ready + "\nwhile [ ! -e " + go + " ]; do sleep 0.05; done\n"
                + "chunk=$(head -c 1048576 /dev/zero | tr '\\0' x)\nbig=''\n"
                + "for i in $(seq 400); do big+=$chunk; sleep 0.02; done\nsleep 60");
        awaitFile(ready);
        long before = MemorySampler.sample(root).orElseThrow().rssBytes();
        TreeGuard guard = new TreeGuard(GuardSpec.builder().treeRssLimitBytes(before + (64L << 20)).build(),
                new GpuMemory(Optional.empty(), Duration.ofSeconds(1), why -> { }));
        assertThat(guard.check(root)).isEmpty();

        java.nio.file.Files.createFile(go);
        AtomicReference<GuardTrip> trip = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> guard.check(root).map(t -> { trip.set(t); return t; }).isPresent());

        assertThat(trip.get().kind()).isEqualTo(GuardTrip.Kind.RSS_LIMIT);
        assertThat(trip.get().measuredBytes()).isGreaterThan(trip.get().limitBytes());
        assertThat(trip.get().pids()).startsWith(root.pid());
        assertThat(guard.lastPids()).startsWith(root.pid());
    }

    @Test
    void sumsTheRssOfTheProcessAndEveryDescendant() throws Exception {
        Path ready = dir.resolve("ready");
        ProcessRef root = start("parent", "sleep 300 &\n( sleep 301 & wait ) &\ntouch " + ready + "\nwait");
        awaitFile(ready);
        await().atMost(Duration.ofSeconds(10)).until(() -> MemorySampler.sample(root).orElseThrow().pids().size() == 4);

        MemorySampler.TreeMemory m = MemorySampler.sample(root).orElseThrow();
        List<Long> expected = new ArrayList<>(List.of(root.pid()));
        ProcessHandle.of(root.pid()).orElseThrow().descendants().forEach(h -> expected.add(h.pid()));
        assertThat(m.pids()).containsExactlyInAnyOrderElementsOf(expected).startsWith(root.pid());
        long sum = 0;
        for (long pid : m.pids()) {
            long rss = MemorySampler.rss(pid);
            assertThat(rss).isPositive();
            sum += rss;
        }
        // Idle processes: the RSS moves by a few pages at most between two reads.
        assertThat(m.rssBytes()).isCloseTo(sum, org.assertj.core.data.Percentage.withPercentage(10));
        assertThat(m.rssBytes()).isGreaterThan(MemorySampler.rss(root.pid()));
    }

    @Test
    void thePsFallbackAgreesWithProc() throws Exception {
        assumeTrue(ProcessScan.procAvailable(), "no /proc: sampling a tree's RSS from /proc was not tested");
        Path ready = dir.resolve("ready");
        ProcessRef root = start("ps", "sleep 300 &\ntouch " + ready + "\nwait");
        awaitFile(ready);
        await().atMost(Duration.ofSeconds(10)).until(() -> MemorySampler.sample(root).orElseThrow().pids().size() == 2);
        MemorySampler.TreeMemory m = MemorySampler.sample(root).orElseThrow();

        assertThat(MemorySampler.rssViaPs(m.pids())).isCloseTo(m.rssBytes(), org.assertj.core.data.Percentage.withPercentage(10));
    }

    @Test
    void aRootThatIsGoneHasNoSample() throws Exception {
        Process p = new ProcessBuilder("true").start();
        ProcessRef ref = new ProcessRef(p.pid(), ProcessScan.startTime(p.pid()).orElse(1));
        p.waitFor();
        await().atMost(Duration.ofSeconds(10)).until(() -> MemorySampler.sample(ref).isEmpty());
    }

    @Test
    void aReusedPidIsNotSampled() {
        ProcessRef self = ProcessScan.ref(ProcessHandle.current().pid()).orElseThrow();
        assertThat(MemorySampler.sample(new ProcessRef(self.pid(), self.startTime() + 1))).isEmpty();
        assertThat(MemorySampler.sample(self)).isPresent();
    }

    @Test
    void thePageSizeIsAPowerOfTwo() {
        assertThat(MemorySampler.PAGE_SIZE).isGreaterThanOrEqualTo(4096);
        assertThat(Long.bitCount(MemorySampler.PAGE_SIZE)).isEqualTo(1);
    }

    /**
     * A tree whose memory reads 0 is exiting, not measured: a process whose main thread ended while another runs
     * on (the kernel shows a zombie leader with RSS 0, the state a process passes through as it dies) leaves the
     * guard's last measurement unknown, never 0, so that a crash report does not claim "0 bytes at death".
     */
    @Test
    void aTreeWhoseMemoryReadsZeroIsNotAMeasurement() throws Exception {
        assumeTrue(ProcessScan.procAvailable(), "needs /proc: the RSS of a dying tree was not tested");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs python3 to end a main thread alone: not tested");
        Path py = dir.resolve("leader.py");
        Files.writeString(py, "import ctypes, threading, time\n"
                + "threading.Thread(target=time.sleep, args=(300,)).start()\n"
                + "ctypes.CDLL(None).pthread_exit(None)\n");
        ProcessRef root = start("leader", "exec /usr/bin/python3 " + py);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessScan.stat(root.pid()).map(st -> st.state() == 'Z').orElse(false));
        assertThat(MemorySampler.sample(root)).as("the kernel's view: alive, RSS 0").get()
                .satisfies(m -> assertThat(m.rssBytes()).isZero());
        TreeGuard guard = new TreeGuard(GuardSpec.builder().treeRssLimitBytes(1L << 30).build(),
                new GpuMemory(Optional.empty(), Duration.ofSeconds(1), why -> { }));
        assertThat(guard.check(root)).isEmpty();
        assertThat(guard.lastRssBytes()).as("not measured").isEqualTo(-1);
    }
}

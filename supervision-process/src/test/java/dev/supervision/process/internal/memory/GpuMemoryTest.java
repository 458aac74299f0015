package dev.supervision.process.internal.memory;

import static dev.supervision.process.testing.TestProcesses.awaitFile;
import static dev.supervision.process.testing.TestProcesses.launch;
import static dev.supervision.process.testing.TestProcesses.script;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU guard and release wait against {@code src/test/resources/fake-nvidia-smi}, a FAKE {@code nvidia-smi}
 * (the only mock allowed here) that prints the {@code apps.csv} this test writes beside it.
 */
@ExtendWith(LeftoverProcessCheck.class)
class GpuMemoryTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private Path fakeNvidiaSmi;
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Process> started = new ArrayList<>();
    private ScheduledExecutorService later;

    @BeforeEach
    void installTheFake() throws IOException {
        fakeNvidiaSmi = dir.resolve("nvidia-smi");
        try (InputStream in = GpuMemoryTest.class.getResourceAsStream("/fake-nvidia-smi")) {
            Files.copy(in, fakeNvidiaSmi);
        }
        Files.setPosixFilePermissions(fakeNvidiaSmi, PosixFilePermissions.fromString("rwx------"));
        later = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-fake-gpu-writer"));
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        later.shutdownNow();
        for (Process p : started) {
            List<ProcessHandle> tree = p.descendants().toList();
            p.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            p.waitFor();
        }
    }

    private void apps(String csv) throws IOException {
        Path tmp = dir.resolve("apps.csv.tmp");
        Files.writeString(tmp, csv);
        Files.move(tmp, dir.resolve("apps.csv"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private GpuMemory gpu() {
        return new GpuMemory(Optional.of(fakeNvidiaSmi), Duration.ofSeconds(10), reports::add);
    }

    @Test
    void parsesMemoryPerPidAndSumsAPidAcrossGpus() throws IOException {
        apps("4242, 20480\n4243, 512\n4242, 1024\n");
        GpuMemory.Reading r = gpu().read();
        assertThat(r).isEqualTo(new GpuMemory.Reading.Apps(Map.of(4242L, 21504 * MIB, 4243L, 512 * MIB)));
        assertThat(((GpuMemory.Reading.Apps) r).sum(List.of(4242L, 4243L, 9L))).isEqualTo(22016 * MIB);
        assertThat(reports).isEmpty();
    }

    @Test
    void noRunningProcessesIsAnEmptyReading() throws IOException {
        apps("");
        assertThat(gpu().read()).isEqualTo(new GpuMemory.Reading.Apps(Map.of()));
    }

    @Test
    void aValueWithoutPerProcessAccountingCountsZero() {
        assertThat(GpuMemory.parse("77, [N/A]\n")).isEqualTo(new GpuMemory.Reading.Apps(Map.of(77L, 0L)));
        assertThat(GpuMemory.parse("No devices were found\n")).isInstanceOf(GpuMemory.Reading.Unavailable.class);
    }

    @Test
    void theGpuLimitTripsOnTheSumOverTheWholeProcessTree() throws Exception {
        Path ready = dir.resolve("ready");
        Process p = launch(ProcessTag.of(TestProcesses.tree("gpu"), "server", 1),
                script(dir, "server.sh", "sleep 300 &\nsleep 301 &\ntouch " + ready + "\nwait"));
        started.add(p);
        awaitFile(ready);
        ProcessRef root = ProcessScan.ref(p.pid()).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> MemorySampler.sample(root).orElseThrow().pids().size() == 3);
        List<Long> workers = p.descendants().map(ProcessHandle::pid).toList();
        // Each worker alone is under the 30 GiB limit; together they are above it. 999 is not in the tree.
        apps(workers.get(0) + ", 20000\n" + workers.get(1) + ", 20000\n999, 70000\n");
        TreeGuard guard = new TreeGuard(GuardSpec.builder().gpuMemoryLimitBytes(30_000 * MIB).build(), gpu());

        Optional<GuardTrip> trip = guard.check(root);

        assertThat(trip).contains(new GuardTrip(GuardTrip.Kind.GPU_LIMIT, 40_000 * MIB, 30_000 * MIB,
                MemorySampler.sample(root).orElseThrow().pids()));
        apps(workers.get(0) + ", 20000\n999, 70000\n");
        assertThat(guard.check(root)).isEmpty();
    }

    @Test
    void withoutNvidiaSmiTheGuardIsUnsupportedReportedOnceAndNeverThrows() throws Exception {
        GpuMemory absent = new GpuMemory(Optional.of(dir.resolve("no-such-nvidia-smi")), Duration.ofSeconds(1), reports::add);
        for (int i = 0; i < 5; i++) {
            assertThat(absent.read()).isInstanceOfSatisfying(GpuMemory.Reading.Unavailable.class,
                    u -> assertThat(u.permanent()).isTrue());
        }
        TreeGuard guard = new TreeGuard(GuardSpec.builder().gpuMemoryLimitBytes(MIB).build(), absent);
        assertThat(guard.check(ProcessScan.ref(ProcessHandle.current().pid()).orElseThrow())).isEmpty();
        assertThat(reports).singleElement().asString().contains("unsupported").contains("no-such-nvidia-smi");
    }

    @Test
    void findsNvidiaSmiOnThePathOrNothing() {
        assertThat(GpuMemory.findOnPath("nvidia-smi", "/nonexistent:" + dir)).contains(fakeNvidiaSmi);
        assertThat(GpuMemory.findOnPath("nvidia-smi", "/nonexistent")).isEmpty();
        assertThat(GpuMemory.findOnPath("nvidia-smi", null)).isEmpty();
    }

    @Test
    void aFailingNvidiaSmiIsReportedOnceUntilItWorksAgain() throws IOException {
        Files.writeString(dir.resolve("exit-code"), "9");
        GpuMemory gpu = gpu();
        assertThat(gpu.read()).isInstanceOfSatisfying(GpuMemory.Reading.Unavailable.class, u -> {
            assertThat(u.permanent()).isFalse();
            assertThat(u.why()).contains("exit code 9").contains("couldn't communicate with the NVIDIA driver");
        });
        gpu.read();
        assertThat(reports).hasSize(1);

        Files.delete(dir.resolve("exit-code"));
        apps("1, 1\n");
        assertThat(gpu.read()).isInstanceOf(GpuMemory.Reading.Apps.class);
        Files.writeString(dir.resolve("exit-code"), "9");
        gpu.read();
        assertThat(reports).hasSize(2);
    }

    @Test
    void theReleaseWaitEndsWhenTheDeadTreesPidsNoLongerHoldGpuMemory() throws Exception {
        apps("501, 30000\n502, 8000\n777, 100\n");
        // The dead tree's pids free their memory once the waiter has read it held three times (not after a wall-clock
        // delay, which a loaded machine stretches or a slow start of the wait eats into).
        Path calls = dir.resolve("calls");
        later.submit(() -> {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(calls) && Files.readAllLines(calls).size() >= 3);
            apps("777, 100\n");
            return null;
        });

        GpuReleaseWaiter.Outcome o = new GpuReleaseWaiter(gpu(), Duration.ofMillis(50)).await(List.of(501L, 502L), Duration.ofSeconds(20));

        assertThat(Files.readAllLines(calls)).as("readings before the release was seen").hasSizeGreaterThanOrEqualTo(4);
        assertThat(o).isInstanceOfSatisfying(GpuReleaseWaiter.Outcome.Released.class,   // three readings, two intervals apart
                r -> assertThat(r.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(100)).isLessThan(Duration.ofSeconds(20)));
    }

    @Test
    void theReleaseWaitIsImmediateWhenNothingIsHeld() throws Exception {
        apps("777, 100\n");
        GpuReleaseWaiter.Outcome o = new GpuReleaseWaiter(gpu(), Duration.ofMillis(50)).await(List.of(501L), Duration.ofSeconds(20));
        assertThat(o).isInstanceOfSatisfying(GpuReleaseWaiter.Outcome.Released.class,
                r -> assertThat(r.waited()).isLessThan(Duration.ofSeconds(5)));
    }

    @Test
    void theReleaseWaitTimesOutWhileThePidsStillHoldMemory() throws Exception {
        apps("501, 30000\n777, 100\n");
        GpuReleaseWaiter.Outcome o = new GpuReleaseWaiter(gpu(), Duration.ofMillis(50)).await(List.of(501L, 502L), Duration.ofMillis(600));
        assertThat(o).isInstanceOfSatisfying(GpuReleaseWaiter.Outcome.StillHeld.class, s -> {
            assertThat(s.bytesByPid()).isEqualTo(Map.of(501L, 30000 * MIB));
            assertThat(s.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        });
    }

    @Test
    void theReleaseWaitAnswersUnsupportedAtOnceWithoutNvidiaSmi() throws Exception {
        GpuMemory absent = new GpuMemory(Optional.empty(), Duration.ofSeconds(1), reports::add);
        assertThat(new GpuReleaseWaiter(absent, Duration.ofMillis(50)).await(List.of(1L), Duration.ofSeconds(60)))
                .isInstanceOf(GpuReleaseWaiter.Outcome.Unsupported.class);
        assertThat(reports).hasSize(1);
    }

    @Test
    void theReleaseWaitRetriesAFailingNvidiaSmiUntilTheTimeout() throws Exception {
        Files.writeString(dir.resolve("exit-code"), "1");
        GpuReleaseWaiter.Outcome o = new GpuReleaseWaiter(gpu(), Duration.ofMillis(50)).await(List.of(1L), Duration.ofMillis(300));
        assertThat(o).isInstanceOfSatisfying(GpuReleaseWaiter.Outcome.Unsupported.class,
                u -> assertThat(u.why()).contains("exit code 1"));
    }
}

package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.Backoff;
import dev.supervision.ChildInfo;
import dev.supervision.ChildState;
import dev.supervision.ExitReason;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.InFlightRequests;
import dev.supervision.process.crash.RestartAdvisor;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.internal.memory.HostMemory;
import dev.supervision.process.preflight.Preflight;
import dev.supervision.process.preflight.PreflightFailed;
import dev.supervision.process.probe.Probe;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash intelligence wired into real process children (bash scripts printing the real tools' messages):
 * classification, reports, history, restart actions, the advisor, guards, the host memory floor,
 * preflight and the kernel OOM killer. The GPU test uses {@code src/test/resources/fake-nvidia-smi}, a
 * FAKE {@code nvidia-smi} (the only mock here).
 */
@ExtendWith(LeftoverProcessCheck.class)
class CrashIntelligenceTest {
    private static final long MIB = 1L << 20;
    private static final String CUDA_OOM = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
            + ". GPU 0 has a total capacity of 23.65 GiB of which 1.12 GiB is free. Of the allocated memory 21.10 GiB is allocated"
            + " by PyTorch, and 409.00 MiB is reserved by PyTorch but unallocated.";
    private static final String KV_CACHE = "ERROR 11-23 06:03:11 [core.py:396] ValueError: To serve at least one request with"
            + " the models's max seq len (131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache"
            + " memory (5.47 GiB). Based on the available memory, the estimated maximum model length is 44816.";

    @TempDir Path dir;
    private final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    private Supervisor sup;
    private String treeName;

    @AfterEach
    void stop() {
        if (sup != null) sup.stop(Duration.ofSeconds(30));
    }

    private Path script(String name, String body) throws IOException {
        return TestProcesses.script(dir, name, body);
    }

    /** A bash snippet that is true in the first incarnation only (counted in a file). */
    private String firstRun(String name) {
        Path f = dir.resolve(name + ".runs");
        return "echo x >> " + f + "\n[ \"$(wc -l < " + f + ")\" -eq 1 ]";
    }

    private ProcessSpec.Builder proc(String id, Path script) {
        return ProcessSpec.builder(id).command(script.toString()).stateDirectory(dir.resolve("state"))
                .startSeconds(Duration.ofMillis(300)).stopTimeout(Duration.ofSeconds(2));
    }

    private Supervisor start(String name, ProcessSpec spec) {
        treeName = TestProcesses.tree(name);
        return Supervisor.start(SupervisorSpec.builder(treeName).shutdownHook(false).listener(events::add)
                .intensity(20, Duration.ofSeconds(10))
                .child(spec.toBuilder().backoff(Backoff.fixed(Duration.ofMillis(50)))).build());
    }

    private ChildInfo info(String id) {
        return sup.whichChildren().join().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private void awaitRunning(String id, long incarnation) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ChildInfo c = info(id);
            return c.state() == ChildState.RUNNING && c.incarnation() == incarnation;
        });
    }

    private <T extends ProcessEvent> List<T> notices(Class<T> type) {
        return events.stream().filter(e -> e instanceof SupervisorEvent.ChildNoticed).map(e -> ((SupervisorEvent.ChildNoticed) e).notice())
                .filter(type::isInstance).map(type::cast).toList();
    }

    private List<ProcessEvent.Crashed> crashes() {
        return notices(ProcessEvent.Crashed.class);
    }

    @Test
    void aCudaOomIsClassifiedReportedWrittenToTheHistoryAndRestarted() throws IOException {
        Path s = script("train.sh", "if " + firstRun("train") + "; then\n"
                + "  echo '  3%|▎         | 120/4000 [02:13<1:11:45,  1.11s/it]'\n"
                + "  echo 'Traceback (most recent call last):' >&2\n"
                + "  echo '    return F.linear(input, self.weight, self.bias)' >&2\n"
                + "  " + say(CUDA_OOM) + "\n  sleep 0.5\n  exit 1\nfi\nexec sleep 1000");
        sup = start("cuda-oom", proc("trainer", s).build());
        awaitRunning("trainer", 2);

        assertThat(crashes()).hasSize(1);
        CrashReport r = crashes().get(0).report();
        assertThat(r.kind()).isEqualTo("GPU_OOM");
        assertThat(r.matchedLine()).hasValueSatisfying(l -> assertThat(l).contains("CUDA out of memory. Tried to allocate 2.00 GiB"));
        assertThat(r.exit()).contains(new ExitStatus(1));
        assertThat(r.advice()).hasValueSatisfying(a -> assertThat(a).contains("batch size"));
        assertThat(r.lastLines()).anySatisfy(l -> assertThat(l).contains("Traceback"));
        assertThat(r.incarnation()).isEqualTo(1);
        assertThat(r.child()).isEqualTo("trainer");
        assertThat(r.rssBytes()).as("memory at death, from the guard's samples").isPresent();
        assertThat(crashes().get(0).action()).isInstanceOf(CrashAction.RestartAdjusted.class);

        ExitReason last = info("trainer").lastExit().orElseThrow();
        assertThat(last).isInstanceOf(ExitReason.Failure.class);
        ProcessCrash crash = (ProcessCrash) ((ExitReason.Failure) last).cause();
        assertThat(crash.report()).contains(r);
        assertThat(crash.getMessage()).contains("GPU_OOM");

        // Written once the exit is reported, off the restart path.
        await().atMost(Duration.ofSeconds(10)).until(() -> CrashHistory.open(dir.resolve("state"), treeName).recent("trainer", 10).size() == 1);
        List<CrashReport> history = CrashHistory.open(dir.resolve("state"), treeName).recent("trainer", 10);
        assertThat(history.get(0).kind()).isEqualTo("GPU_OOM");
        assertThat(history.get(0).matchedLine()).isEqualTo(r.matchedLine());
    }

    /** A bash line printing {@code line} to stderr, quoted. */
    private static String say(String line) {
        return "echo '" + line.replace("'", "'\\''") + "' >&2";
    }

    @Test
    void aMemoryErrorWaitsForHostMemoryOnlyWhenItIsShort() throws IOException {
        Path s = script("etl.sh", "if " + firstRun("etl") + "; then\n  sleep 0.5\n"
                + "  echo 'Traceback (most recent call last):' >&2\n  " + say("MemoryError") + "\n  exit 1\nfi\nexec sleep 1000");
        sup = start("memory-error", proc("etl", s).build());
        awaitRunning("etl", 2);

        assertThat(crashes()).singleElement().satisfies(c -> {
            assertThat(c.report().kind()).isEqualTo("HOST_OOM");
            assertThat(c.action()).isInstanceOf(CrashAction.WaitForMemoryThenRestart.class);
            assertThat(c.report().rssBytes()).isPresent();
        });
        // A bash script's few MiB are available at once: no wait, no event.
        assertThat(notices(ProcessEvent.HostMemoryAwaited.class)).isEmpty();
    }

    @Test
    void aKvCacheConfigurationErrorAtStartupFailsTheChildWithoutRetrying() throws IOException {
        // Runs until told to crash; its restart (as vLLM restarted with a longer context) cannot fit its KV cache.
        Path crash = dir.resolve("crash-now");
        Path s = script("vllm.sh", "if " + firstRun("vllm") + "; then\n"
                + "  while [ ! -e " + crash + " ]; do sleep 0.05; done\n  exit 1\nfi\n"
                + "echo 'INFO 11-23 06:03:02 [gpu_model_runner.py:1595] Model loading took 14.99 GiB'\n" + say(KV_CACHE) + "\nexit 1");
        sup = start("kv-cache", proc("llm", s).startSeconds(Duration.ofSeconds(5)).build());
        awaitRunning("llm", 1);
        Files.createFile(crash);

        await().atMost(Duration.ofSeconds(30)).until(() -> info("llm").state() == ChildState.FAILED);
        assertThat(notices(ProcessEvent.Launched.class)).hasSize(2);
        assertThat(crashes()).hasSize(2).last().satisfies(c -> {
            assertThat(c.report().kind()).isEqualTo("KV_CACHE_CONFIG");
            assertThat(c.action()).isInstanceOf(CrashAction.DoNotRestart.class);
            assertThat(c.report().advice()).hasValueSatisfying(a -> assertThat(a).contains("--max-model-len"));
        });
        assertThat(events).filteredOn(e -> e instanceof SupervisorEvent.StartFailed).singleElement()
                .satisfies(e -> assertThat(((SupervisorEvent.StartFailed) e).cause()).isInstanceOf(dev.supervision.FatalStartException.class));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> notices(ProcessEvent.Launched.class).size() == 2 && info("llm").state() == ChildState.FAILED);
    }

    @Test
    void aConfigurationErrorIsNotRetriedEvenWhenAGuardStopsTheStartFirst() throws IOException {
        // The restart prints vLLM's no-cache-blocks error and, still loading, outgrows its memory limit:
        // the guard stops it, and the verdict (do not restart) must still end the child.
        Path crash = dir.resolve("crash-now");
        Path s = script("vllm.sh", "if " + firstRun("vllm") + "; then\n  echo 'Uvicorn running'\n"
                + "  while [ ! -e " + crash + " ]; do sleep 0.05; done\n  exit 1\nfi\n"
                + say("ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.")
                + "\nchunk=$(head -c 1048576 /dev/zero | tr '\\0' x)\nbig=''\nfor i in $(seq 300); do big+=$chunk; sleep 0.01; done\nsleep 100");
        sup = start("guard-while-starting", proc("llm", s).readiness(Probe.logLine("Uvicorn running"))
                .guards(GuardSpec.builder().treeRssLimitBytes(100 * MIB).interval(Duration.ofMillis(100)).build()).build());
        // The first start runs (a failing first start would be the supervisor's own, failing the tree: OTP).
        awaitRunning("llm", 1);
        Files.createFile(crash);

        await().atMost(Duration.ofSeconds(30)).until(() -> info("llm").state() == ChildState.FAILED);
        assertThat(notices(ProcessEvent.GuardTripped.class)).isNotEmpty();
        assertThat(crashes()).last().satisfies(c -> {
            assertThat(c.report().kind()).isEqualTo("KV_CACHE_CONFIG");
            assertThat(c.action()).isInstanceOf(CrashAction.DoNotRestart.class);
        });
        assertThat(notices(ProcessEvent.Launched.class)).hasSize(2);
    }

    @Test
    void theAdvisorStepsTheFlagDownAfterEachCudaOomUntilTheServerFits() throws IOException {
        // Under load it runs out of GPU memory unless its utilisation is 0.8 or less (it shares the GPU).
        Path s = script("serve.sh", "util=$2\necho serving at $util\nif awk \"BEGIN{exit !($util > 0.8)}\"; then\n"
                + "  sleep 0.6\n  " + say(CUDA_OOM) + "\n  exit 1\nfi\nexec sleep 1000");
        sup = start("step-down", ProcessSpec.builder("llm").command(s.toString(), "--gpu-memory-utilization", "0.9")
                .stateDirectory(dir.resolve("state")).startSeconds(Duration.ofMillis(300)).stopTimeout(Duration.ofSeconds(2))
                .advisor(RestartAdvisor.stepDown("--gpu-memory-utilization", 0.05, 0.5, Set.of("GPU_OOM"))).build());

        awaitRunning("llm", 3);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> info("llm").incarnation() == 3);
        assertThat(notices(ProcessEvent.Launched.class)).extracting(l -> l.argv().get(2)).containsExactly("0.9", "0.85", "0.8");
        assertThat(crashes()).extracting(c -> c.report().kind()).containsExactly("GPU_OOM", "GPU_OOM");
    }

    @Test
    void theReportListsTheRequestsInFlightAtTheCrash() throws IOException {
        Path crash = dir.resolve("crash-now");
        Path s = script("server.sh", "if " + firstRun("server") + "; then\n"
                + "  while [ ! -e " + crash + " ]; do sleep 0.05; done\n  echo 'Segmentation fault (core dumped)' >&2\n  exit 139\nfi\n"
                + "exec sleep 1000");
        InFlightRequests inFlight = new InFlightRequests();
        sup = start("in-flight", proc("server", s).inFlightRequests(inFlight).build());
        awaitRunning("server", 1);
        inFlight.begin("server", "req-7");
        inFlight.begin("server", "req-8");
        inFlight.end("server", "req-7");
        Files.createFile(crash);

        awaitRunning("server", 2);
        CrashReport r = crashes().get(0).report();
        assertThat(r.inFlightRequests()).containsExactly("req-8");
        assertThat(r.kind()).isEqualTo("SEGFAULT");
    }

    @Test
    void aTreeGrowingPastItsRssLimitIsStoppedReportedAndRestarted() throws IOException {
        // The worker's child grows: the limit is on the whole tree, not on the process we launched.
        Path s = script("worker.sh", "if " + firstRun("worker") + "; then\n"
                + "  bash -c 'chunk=$(head -c 1048576 /dev/zero | tr \"\\0\" x); big=; "
                + "for i in $(seq 400); do big+=$chunk; sleep 0.01; done; sleep 100' &\nfi\nexec sleep 1000");
        sup = start("rss-limit", proc("worker", s).guards(GuardSpec.builder().treeRssLimitBytes(150 * MIB)
                .interval(Duration.ofMillis(100)).build()).build());

        awaitRunning("worker", 2);
        assertThat(notices(ProcessEvent.GuardTripped.class)).singleElement()
                .satisfies(t -> assertThat(t.trip().kind()).isEqualTo(GuardTrip.Kind.RSS_LIMIT));
        CrashReport r = crashes().get(0).report();
        assertThat(r.kind()).isEqualTo("MEMORY_LIMIT");
        assertThat(r.rssBytes().orElseThrow()).isGreaterThan(150 * MIB);
        ProcessCrash crash = (ProcessCrash) ((ExitReason.Failure) crashedExit()).cause();
        assertThat(crash.kind()).isEqualTo(ProcessCrash.Kind.MEMORY_LIMIT);
    }

    private ExitReason crashedExit() {
        return events.stream().filter(e -> e instanceof SupervisorEvent.ChildExited).map(e -> ((SupervisorEvent.ChildExited) e).reason())
                .filter(x -> x instanceof ExitReason.Failure).findFirst().orElseThrow();
    }

    @Test
    void theHostMemoryFloorRestartsTheTreeWithoutCountingAndGivesUpWhenBrakesFreeNothing() throws IOException {
        Path s = script("hog.sh", "exec sleep 1000");
        // A floor just above what the host has now: below it at once. Restarting a sleep frees nothing.
        long floor = HostMemory.read().orElseThrow().availableBytes() + 4096 * MIB;
        sup = start("floor", proc("hog", s).hostMemoryFloor(HostMemoryFloor.builder().floorBytes(floor)
                .interval(Duration.ofMillis(100)).coolDown(Duration.ofMillis(300)).minRecoveredBytes(1024 * MIB)
                .maxUselessBrakes(2).build()).build());

        await().atMost(Duration.ofSeconds(30)).until(() -> !notices(ProcessEvent.HostMemoryAlert.class).isEmpty());
        List<ProcessEvent.GuardTripped> brakes = notices(ProcessEvent.GuardTripped.class);
        assertThat(brakes).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(b -> assertThat(b.trip().kind()).isEqualTo(GuardTrip.Kind.HOST_MEMORY_FLOOR));
        assertThat(crashes()).allSatisfy(c -> assertThat(c.report().kind()).isEqualTo("MEMORY_LIMIT"));
        assertThat(events).filteredOn(e -> e instanceof SupervisorEvent.ChildExited x && x.reason() instanceof ExitReason.RestartNow)
                .hasSize(brakes.size());
        // Suspended: no more brakes while memory stays below the floor.
        int n = brakes.size();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> notices(ProcessEvent.GuardTripped.class).size() == n);
        awaitRunning("hog", n + 1);
        assertThat(info("hog").state()).isEqualTo(ChildState.RUNNING);
    }

    @Test
    void aTreeOverItsGpuLimitIsStoppedAndTheRestartWaitsForItsGpuMemory() throws IOException {
        Path fake = dir.resolve("nvidia-smi");
        try (InputStream in = CrashIntelligenceTest.class.getResourceAsStream("/fake-nvidia-smi")) {
            Files.copy(in, fake);
        }
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        apps("");
        Path s = script("gpu.sh", "exec sleep 1000");
        sup = start("gpu", proc("llm", s).guards(GuardSpec.builder().gpuMemoryLimitBytes(1024 * MIB)
                .interval(Duration.ofMillis(100)).gpuReleaseTimeout(Duration.ofSeconds(30)).nvidiaSmi(fake).build()).build());
        awaitRunning("llm", 1);
        long pid = ((ProcessDetails) info("llm").details().orElseThrow()).pid();

        apps(pid + ", 2048\n");                   // over the limit; still listed after its death (driver lag)
        await().atMost(Duration.ofSeconds(20)).until(() -> !crashes().isEmpty());
        assertThat(crashes().get(0).report().kind()).isEqualTo("GPU_MEMORY_LIMIT");
        assertThat(crashes().get(0).report().gpuBytes()).hasValue(2048 * MIB);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .until(() -> notices(ProcessEvent.Launched.class).size() == 1);

        apps("");                                  // the driver released it
        awaitRunning("llm", 2);
        assertThat(notices(ProcessEvent.GpuMemoryAwaited.class)).singleElement().satisfies(w -> {
            assertThat(w.released()).isTrue();
            assertThat(w.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        });
    }

    private void apps(String csv) throws IOException {
        Path tmp = dir.resolve("apps.csv.tmp");
        Files.writeString(tmp, csv);
        Files.move(tmp, dir.resolve("apps.csv"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aRestartWhosePreflightFailsIsAFailedStartWithItsReasonThenStartsOnceItPasses() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Path crash = dir.resolve("crash-now");
        Path s = script("serve.sh", "while [ ! -e " + crash + " ]; do sleep 0.05; done\nrm " + crash + "\nexit 3");
        sup = Supervisor.start(SupervisorSpec.builder(treeName = TestProcesses.tree("preflight-restart")).shutdownHook(false)
                .listener(events::add).intensity(100, Duration.ofSeconds(10))
                .child(proc("llm", s).preflight(Preflight.fileExists(model))
                        .backoff(Backoff.fixed(Duration.ofMillis(200)))).build());
        awaitRunning("llm", 1);
        Files.delete(model);
        Files.createFile(crash);

        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof SupervisorEvent.StartFailed f
                && f.cause() instanceof PreflightFailed));
        SupervisorEvent.StartFailed failed = events.stream().filter(e -> e instanceof SupervisorEvent.StartFailed)
                .map(e -> (SupervisorEvent.StartFailed) e).findFirst().orElseThrow();
        assertThat(failed.cause()).hasMessageContaining("preflight fileExists(" + model + ") failed").hasMessageContaining("does not exist");
        assertThat(notices(ProcessEvent.Launched.class)).hasSize(1);

        Files.createDirectories(model);
        await().atMost(Duration.ofSeconds(30)).until(() -> notices(ProcessEvent.Launched.class).size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> info("llm").state() == ChildState.RUNNING);
    }

    /**
     * A plain {@code kill -9} is a kill by SIGKILL, known by the exit status, with the OOM killer named only
     * as not confirmed: in the event, the crash history and its counts (it used to be KERNEL_OOM_KILL).
     */
    @Test
    void aPlainKillMinus9IsRecordedAsKilledBySigkillNotAsAnOomKill() throws IOException {
        Path s = script("victim.sh", "if " + firstRun("victim") + "; then\n  kill -9 $$\nfi\nexec sleep 1000");
        sup = start("kill-9", proc("victim", s).startSeconds(Duration.ZERO).build());     // started at launch
        awaitRunning("victim", 2);

        CrashReport r = crashes().get(0).report();
        assertThat(r.kind()).isEqualTo("KILLED");
        assertThat(r.basis()).isEqualTo(CrashBasis.EXIT_STATUS);
        assertThat(r.evidence()).startsWith("killed by SIGKILL (exit 137); OOM kill not confirmed");
        assertThat(crashes().get(0).describe()).contains("KILLED (by the exit status alone)").doesNotContain("OOM_KILL");
        CrashHistory history = CrashHistory.open(dir.resolve("state"), treeName);
        assertThat(history.countsByKind()).containsExactly(java.util.Map.entry("KILLED", 1L));
        assertThat(history.all().get(0).evidence()).isEqualTo(r.evidence());
    }

    @Test
    void aKernelOomKillInTheChildsCgroupIsConfirmedThroughItsCounter() throws IOException {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        Path cg = v1.resolve("supervision-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectory(cg);
        } catch (IOException | UnsupportedOperationException e) {
            assumeTrue(false, "needs a writable cgroup v1 memory hierarchy: " + e);
        }
        try {
            // The script moves itself into a 64 MiB cgroup, waits to be ready (the run reads the cgroup's
            // counter then), and grows past the limit: the kernel's OOM killer sends SIGKILL.
            Path s = script("hog.sh", "if " + firstRun("hog") + "; then\n"
                    + "  echo $((64 * 1024 * 1024)) > " + cg + "/memory.limit_in_bytes\n"
                    + "  echo 0 > " + cg + "/memory.swappiness 2>/dev/null\n"
                    + "  echo $$ > " + cg + "/cgroup.procs\n  sleep 1\n"
                    + "  big=$(head -c 200000000 /dev/zero | tr '\\0' x)\n  echo survived\nfi\nexec sleep 1000");
            sup = start("oom-kill", proc("hog", s).startSeconds(Duration.ofMillis(500)).build());
            awaitRunning("hog", 2);

            CrashReport r = crashes().get(0).report();
            assertThat(r.exit()).hasValueSatisfying(x -> assertThat(x.signal()).hasValue(9));
            assertThat(r.kind()).isEqualTo("KERNEL_OOM_KILL");
            assertThat(r.basis()).isEqualTo(CrashBasis.KERNEL_COUNTER);
            assertThat(r.evidence()).contains("oom_kill counter rose from 0 to 1");
            assertThat(r.matchedLine()).isEmpty();
        } finally {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                Files.delete(cg);
                return true;
            });
        }
    }
}

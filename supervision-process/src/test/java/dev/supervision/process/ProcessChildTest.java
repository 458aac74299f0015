package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.Backoff;
import dev.supervision.ChildInfo;
import dev.supervision.ChildRef;
import dev.supervision.ChildSpec;
import dev.supervision.ChildState;
import dev.supervision.ExitReason;
import dev.supervision.Restart;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.probe.Probe;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real processes (bash scripts, the JDK's jwebserver) supervised end to end. */
@ExtendWith(LeftoverProcessCheck.class)
class ProcessChildTest {
    @TempDir Path dir;
    private final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    private Supervisor sup;

    @AfterEach
    void stop() {
        if (sup != null) sup.stop(Duration.ofSeconds(30));
    }

    private Path script(String name, String body) throws IOException {
        return TestProcesses.script(dir, name, body);
    }

    private ProcessSpec.Builder proc(String id, Path script) {
        return ProcessSpec.builder(id).command(script.toString()).stateDirectory(dir.resolve("state"))
                .startSeconds(Duration.ofMillis(200)).stopTimeout(Duration.ofSeconds(2));
    }

    /** Tree names are unique to this test JVM, so that no other run's orphan cleanup touches ours. */
    private SupervisorSpec.Builder tree(String name) {
        return SupervisorSpec.builder(TestProcesses.tree(name)).shutdownHook(false).listener(events::add);
    }

    private ChildInfo info(String id) {
        return sup.whichChildren().join().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private long pid(String id) {
        return ((ProcessDetails) info(id).details().orElseThrow()).pid();
    }

    /** Alive and not a zombie (here PID 1 does not reap orphans, so killed grandchildren stay zombies). */
    private static boolean alive(long pid) {
        return ProcessScan.startTime(pid).isPresent();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Waits for incarnation {@code incarnation} of {@code id} to run and returns its pid (one query decides). */
    private long awaitRunning(String id, long incarnation) {
        java.util.concurrent.atomic.AtomicLong pid = new java.util.concurrent.atomic.AtomicLong();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ChildInfo c = info(id);
            if (c.state() != ChildState.RUNNING || c.incarnation() != incarnation || c.details().isEmpty()) return false;
            pid.set(((ProcessDetails) c.details().get()).pid());
            return true;
        });
        return pid.get();
    }

    @Test
    void processChildrenHaveABackoffByDefault() {
        ChildSpec c = ProcessSpec.builder("x").command("true").childSpec();
        assertThat(c.backoff()).isEqualTo(ProcessSpec.DEFAULT_BACKOFF);
        assertThat(c.shutdown()).isEqualTo(dev.supervision.Shutdown.timeout(Duration.ofSeconds(15)));
        assertThat(c.startTimeout()).contains(Duration.ofMinutes(5));
    }

    /**
     * A dynamic supervisor takes repeated ids (Elixir's DynamicSupervisor): each process child is tagged with
     * its own name (id#n), so stopping one never touches the other's process tree.
     */
    @Test
    void dynamicProcessChildrenSharingAnIdAreTaggedApartAndStoppedAlone() throws IOException {
        Path sleeper = script("sleeper.sh", "sleep 1000 & wait");
        String name = TestProcesses.tree("pool");
        sup = Supervisor.start(SupervisorSpec.dynamic(name).shutdownHook(false).listener(events::add).build());
        ChildRef first = sup.startChild(proc("worker", sleeper).build()).join();
        ChildRef second = sup.startChild(proc("worker", sleeper).build()).join();
        assertThat(List.of(first.name(), second.name())).containsExactly("worker#1", "worker#2");
        await().atMost(Duration.ofSeconds(10)).until(() -> TestProcesses.tagged(name).size() == 4);   // two bash + two sleep
        List<dev.supervision.process.internal.tree.ProcessScan.TaggedProcess> secondsTree =
                ProcessScan.scan(t -> t.tree().equals(name) && t.child().equals("worker#2"));
        assertThat(secondsTree).hasSize(2);
        sup.terminateChild(first).join();
        assertThat(TestProcesses.tagged(name)).containsExactlyInAnyOrderElementsOf(
                secondsTree.stream().map(ProcessScan.TaggedProcess::process).toList());
        assertThat(sup.whichChildren().join()).extracting(ChildInfo::ref).containsExactly(second);
    }

    /**
     * A program that cannot be executed (ENOENT, EACCES, a missing working directory) fails the same way on every
     * attempt: a restart into it is not retried (the child is FAILED, not counted), and a first start fails at once.
     * With both launchers: they word the failure differently (the JDK since 22: "Exec failed, error: 2 (...)").
     */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "jdk"})
    void aCommandThatCannotBeExecutedIsAFatalStartNotRetried(String launcher) throws IOException {
        String before = System.setProperty("supervision.process.launcher", launcher);
        try {
            cannotExecute();
        } finally {
            if (before == null) System.clearProperty("supervision.process.launcher");
            else System.setProperty("supervision.process.launcher", before);
        }
    }

    private void cannotExecute() throws IOException {
        Path program = script("server.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("cannot-exec").intensity(10, Duration.ofSeconds(60))
                .child(proc("server", program).backoff(Backoff.fixed(Duration.ofMillis(10)))).build());
        long pid = pid("server");
        Files.delete(program);                                          // the next start finds no program
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(20)).until(() -> info("server").state() == ChildState.FAILED);
        List<SupervisorEvent.StartFailed> failed = events.stream().filter(e -> e instanceof SupervisorEvent.StartFailed)
                .map(e -> (SupervisorEvent.StartFailed) e).toList();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).cause()).isInstanceOfSatisfying(CannotExecute.class, c -> {
            assertThat(c.errno()).isEqualTo(2);
            assertThat(c.shellStatus()).isEqualTo(127);
            assertThat(c).hasMessageContaining("No such file or directory").hasMessageContaining("not retried");
        });
        assertThat(sup.termination()).isNotDone();

        Path notExecutable = Files.writeString(dir.resolve("data.txt"), "not a program");
        Supervisor.startAsync(tree("cannot-exec-2").child(proc("data", notExecutable)).build())
                .handle((s, e) -> e).thenAccept(e -> assertThat(e).hasRootCauseInstanceOf(java.io.IOException.class)
                        .satisfies(x -> assertThat(findCannotExecute(x).shellStatus()).isEqualTo(126))).join();
        Supervisor.startAsync(tree("cannot-exec-3").child(proc("cwd", Path.of("/bin/true"))
                        .workingDirectory(dir.resolve("no-such-dir"))).build())
                .handle((s, e) -> e).thenAccept(e -> assertThat(findCannotExecute(e).getMessage()).contains("no-such-dir")).join();
    }

    private static CannotExecute findCannotExecute(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) if (c instanceof CannotExecute x) return x;
        throw new AssertionError("no CannotExecute in " + t, t);
    }

    @Test
    void aKilledProcessIsRestartedPerStrategy() throws IOException {
        Path sleeper = script("sleeper.sh", "exec sleep 1000");
        for (Strategy strategy : Strategy.values()) {
            sup = Supervisor.start(tree("s-" + strategy).strategy(strategy).intensity(10, Duration.ofSeconds(10))
                    .child(proc("a", sleeper))
                    .child(proc("b", sleeper)).build());
            long a = pid("a"), b = pid("b");
            ProcessHandle.of(a).orElseThrow().destroyForcibly();        // SIGKILL, as the OOM killer would
            awaitRunning("a", 2);
            assertThat(pid("a")).isNotEqualTo(a);
            assertThat(alive(a)).isFalse();
            if (strategy != Strategy.ONE_FOR_ONE) {        // ONE_FOR_ALL: all; REST_FOR_ONE: a and its successor b
                awaitRunning("b", 2);
                assertThat(alive(b)).isFalse();
            } else {
                assertThat(info("b").incarnation()).isEqualTo(1);
                assertThat(pid("b")).isEqualTo(b);
            }
            ExitReason last = info("a").lastExit().orElseThrow();
            assertThat(last).isInstanceOf(ExitReason.Failure.class);
            ProcessCrash crash = (ProcessCrash) ((ExitReason.Failure) last).cause();
            assertThat(crash.kind()).isEqualTo(ProcessCrash.Kind.SIGNAL);
            assertThat(crash.getMessage()).contains("SIGKILL");
            long a2 = pid("a"), b2 = pid("b");
            sup.stop(Duration.ofSeconds(10));
            assertThat(alive(a2)).isFalse();
            assertThat(alive(b2)).isFalse();
        }
    }

    @Test
    void readinessOverHttpAgainstJwebserver() throws IOException {
        Files.writeString(dir.resolve("health"), "ok");
        int port = freePort();
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        sup = Supervisor.start(tree("web").child(ProcessSpec.builder("web")
                .command(java.resolveSibling("jwebserver").toString(), "-b", "127.0.0.1", "-p", String.valueOf(port), "-d", dir.toString())
                .readiness(Probe.http("http://127.0.0.1:" + port + "/health"))
                .stateDirectory(dir.resolve("state"))).build());
        // Supervisor.start returns when the child is ready: the probe has passed.
        ProcessDetails d = (ProcessDetails) info("web").details().orElseThrow();
        assertThat(d.ready()).isTrue();
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.ChildNoticed.class,
                n -> assertThat(n.notice()).isInstanceOf(ProcessEvent.Ready.class)));
        assertThat(sup.snapshot().join().render()).contains("pid=" + d.pid()).contains("ready");
    }

    /**
     * A start that waits for its readiness probe is visible: every failed attempt is an event with the probe and its
     * error, a STARTING child shows its pid, and a start timeout names the probe and its last error.
     */
    @Test
    void aStartWaitingForReadinessShowsItsAttemptsItsPidAndWhatItWaitedFor() throws IOException {
        int port = freePort();                                                  // nothing listens there
        Path server = script("server.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("waiting").build());
        var adding = sup.startChild(proc("llm", server)
                .readiness(Probe.http("http://127.0.0.1:" + port + "/health")).readinessInterval(Duration.ofMillis(50))
                .startTimeout(Duration.ofSeconds(3)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> notices(ProcessEvent.ReadinessFailed.class).size() >= 3);
        ProcessEvent.ReadinessFailed first = notices(ProcessEvent.ReadinessFailed.class).get(0);
        assertThat(first.probe()).isEqualTo("GET http://127.0.0.1:" + port + "/health");
        assertThat(first.error()).contains("Connection refused");
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(notices(ProcessEvent.ReadinessFailed.class)).extracting(ProcessEvent.ReadinessFailed::attempt).startsWith(1, 2, 3);
        assertThat(adding).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withMessageContaining("did not start within 3 s; it was waiting for readiness GET http://127.0.0.1:" + port + "/health (")
                .withMessageContaining("attempts, last: ConnectException: Connection refused");
    }

    @Test
    void aStartingChildShowsItsPid() throws IOException {
        Path server = script("server.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("starting").build());
        sup.startChild(proc("llm", server).readiness(Probe.file(dir.resolve("never"))).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> info("llm").details().isPresent());
        ChildInfo starting = info("llm");
        assertThat(starting.state()).isEqualTo(ChildState.STARTING);
        ProcessDetails d = (ProcessDetails) starting.details().orElseThrow();
        assertThat(d.ready()).isFalse();
        assertThat(alive(d.pid())).isTrue();
        assertThat(sup.snapshot().join().render()).contains("llm STARTING").contains("pid=" + d.pid());
    }

    private <T extends ProcessEvent> List<T> notices(Class<T> type) {
        return events.stream().filter(e -> e instanceof SupervisorEvent.ChildNoticed).map(e -> ((SupervisorEvent.ChildNoticed) e).notice())
                .filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void readinessByLogLine() throws IOException {
        Path server = script("server.sh", "echo loading weights; sleep 0.3; echo 'INFO: Uvicorn running on http://0.0.0.0:8000'; exec sleep 1000");
        sup = Supervisor.start(tree("log").child(proc("srv", server)
                .readiness(Probe.logLine("Uvicorn running on"))).build());
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.ChildNoticed.class,
                n -> assertThat(n.notice().describe()).contains("log line")));
    }

    @Test
    void aStartThatNeverBecomesReadyTimesOutAndLeavesNoProcess() throws IOException {
        Path pidFile = dir.resolve("pid");
        Path never = script("never.sh", "echo $$ > " + pidFile + "; exec sleep 1000");
        sup = Supervisor.start(tree("slow").build());
        var started = sup.startChild(proc("never", never).readiness(Probe.file(dir.resolve("nope")))
                .startTimeout(Duration.ofSeconds(1)).build());
        await().atMost(Duration.ofSeconds(10)).until(started::isDone);
        assertThat(started).isCompletedExceptionally();
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.StartFailed.class,
                f -> assertThat(f.cause()).isInstanceOf(TimeoutException.class)));
        long p = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(p));
    }

    @Test
    void aProcessDyingWhileStartingIsAFailedStart() throws IOException {
        Path dies = script("dies.sh", "echo 'bad config' >&2; exit 3");
        sup = Supervisor.start(tree("dies").build());
        var started = sup.startChild(proc("dies", dies).startSeconds(Duration.ofSeconds(2)).build());
        await().atMost(Duration.ofSeconds(10)).until(started::isDone);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.StartFailed.class, f -> {
            assertThat(f.cause()).isInstanceOf(ProcessCrash.class);
            ProcessCrash c = (ProcessCrash) f.cause();
            assertThat(c.kind()).isEqualTo(ProcessCrash.Kind.DIED_STARTING);
            assertThat(c.exit()).contains(new ExitStatus(3));
            assertThat(c.lastLines()).anySatisfy(l -> assertThat(l).contains("bad config"));
        }));
    }

    @Test
    void livenessFailureStopsTheTreeAndRestartsIt() throws IOException {
        Path healthy = dir.resolve("healthy");
        Path server = script("server.sh", "exec sleep 1000");
        Files.writeString(healthy, "");
        sup = Supervisor.start(tree("live").child(proc("srv", server)
                .liveness(new Probe.Liveness(Probe.file(healthy), Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(1), 2))
                ).build());
        long first = pid("srv");
        Files.delete(healthy);
        await().atMost(Duration.ofSeconds(20)).until(() -> info("srv").incarnation() >= 2);
        Files.writeString(healthy, "");
        awaitRunning("srv", info("srv").incarnation());
        assertThat(alive(first)).isFalse();
        ExitReason.Failure f = (ExitReason.Failure) events.stream().filter(e -> e instanceof SupervisorEvent.ChildExited)
                .map(e -> ((SupervisorEvent.ChildExited) e).reason()).findFirst().orElseThrow();
        assertThat(((ProcessCrash) f.cause()).kind()).isEqualTo(ProcessCrash.Kind.LIVENESS);
    }

    @Test
    void theFirstLivenessCheckRunsRightAfterAProbedReadiness() throws IOException {
        // Readiness by a probe that passes at once, then liveness with no initial delay: its first attempt must
        // not wait a whole interval (a minute here, so that the bound below holds on a loaded machine and still
        // tells "at once" from "after an interval") because the readiness attempt's thread was still returning.
        Path ready = dir.resolve("ready");
        Files.writeString(ready, "");
        Path server = script("server.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("first-live").child(proc("srv", server)
                .readiness(Probe.file(ready))
                .liveness(new Probe.Liveness(Probe.file(dir.resolve("never")), Duration.ZERO, Duration.ofMinutes(1),
                        Duration.ofSeconds(1), 3))
                ).build());
        await().atMost(Duration.ofSeconds(30)).until(() -> events.stream().anyMatch(e ->
                e instanceof SupervisorEvent.ChildNoticed n && n.notice() instanceof ProcessEvent.ProbeFailed));
    }

    @Test
    void outputSilenceIsAHang() throws IOException {
        Path quiet = script("quiet.sh", "echo started; exec sleep 1000");
        sup = Supervisor.start(tree("hang").child(proc("quiet", quiet)
                .silenceTimeout(Duration.ofMillis(500))).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> info("quiet").incarnation() >= 2);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.ChildExited.class,
                x -> assertThat(x.reason().toString()).contains("SILENCE").contains("no output for")));
    }

    @Test
    void aStaleHeartbeatIsAHang() throws IOException {
        Path hb = dir.resolve("heartbeat");
        Path worker = script("worker.sh", "touch " + hb + "; exec sleep 1000");
        sup = Supervisor.start(tree("hb").child(proc("w", worker)
                .heartbeat(hb, Duration.ofMillis(500))).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> info("w").incarnation() >= 2);
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.ChildExited.class,
                x -> assertThat(x.reason().toString()).contains("HEARTBEAT")));
    }

    @Test
    void exitCodeClasses() throws IOException {
        Path code = dir.resolve("code");
        Files.writeString(code, "42");
        Path worker = script("worker.sh", "sleep 0.3; exit $(cat " + code + ")");
        sup = Supervisor.start(tree("codes").intensity(0, Duration.ofSeconds(60))      // a counted restart would give up
                .child(proc("w", worker).restartNowCodes(42).fatalExitCodes(78)).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> info("w").incarnation() >= 3);   // 42: restarted, not counted
        assertThat(sup.termination()).isNotDone();
        assertThat(info("w").lastExit()).contains(new ExitReason.RestartNow("exit 42"));
        Files.writeString(code, "78");
        await().atMost(Duration.ofSeconds(20)).until(() -> info("w").state() == ChildState.FAILED);
        assertThat(info("w").lastExit().orElseThrow()).isInstanceOf(ExitReason.Fatal.class);
        assertThat(sup.termination()).isNotDone();
    }

    @Test
    void aTransientProcessExitingZeroStaysDown() throws IOException {
        Path job = script("job.sh", "sleep 0.3; exit 0");
        sup = Supervisor.start(tree("job").child(proc("job", job).restart(Restart.TRANSIENT)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> info("job").state() == ChildState.STOPPED);
        assertThat(info("job").lastExit()).contains(ExitReason.NORMAL);
        assertThat(info("job").incarnation()).isEqualTo(1);
    }

    @Test
    void aChildIgnoringSigtermIsKilledAfterTheStopTimeout() throws IOException {
        Path stubborn = script("stubborn.sh", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
        sup = Supervisor.start(tree("stubborn").child(proc("s", stubborn)
                .stopTimeout(Duration.ofMillis(500))).build());
        long p = pid("s");
        sup.terminateChild("s").join();
        assertThat(alive(p)).isFalse();
        assertThat(info("s").lastExit().orElseThrow().toString()).contains("SIGKILL");
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(SupervisorEvent.ChildNoticed.class,
                n -> assertThat(n.notice()).isInstanceOf(ProcessEvent.StopEscalated.class)));
    }

    @Test
    void grandchildrenAndDetachedGrandchildrenAreGoneAfterStop() throws IOException {
        Path pids = dir.resolve("pids");
        Path parent = script("parent.sh", String.join("\n",
                "sleep 1000 & echo $! >> " + pids,
                "bash -c 'sleep 1000 & echo $! >> " + pids + "; wait' &",
                "setsid bash -c 'echo $$ >> " + pids + "; exec sleep 1000' &",
                "wait"));
        sup = Supervisor.start(tree("family").child(proc("p", parent)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 3);
        List<Long> family = Files.readAllLines(pids).stream().map(String::trim).map(Long::parseLong).toList();
        assertThat(family).allMatch(ProcessChildTest::alive);
        sup.stop(Duration.ofSeconds(30));
        assertThat(family).noneMatch(ProcessChildTest::alive);
    }

    /**
     * The first incarnation leaves a background job and a detached process behind, the detached one deaf to SIGTERM
     * (killed only after the stop timeout), and crashes. The second incarnation looks, as the first thing it does,
     * which of them still run: none may, the sweep having ended them before the restart launched it.
     */
    @Test
    void whatAnExitedProcessLeftBehindIsSweptBeforeTheRestart() throws IOException {
        Path pids = dir.resolve("left");
        Path seen = dir.resolve("seen");
        Path leaver = script("leaver.sh", String.join("\n",
                "running() { local s; s=$(cat /proc/$1/stat 2>/dev/null) || return 1; set -- ${s##*) }; [ \"$1\" != Z ]; }",
                "if [ -s " + pids + " ]; then",                       // the second incarnation: what still runs?
                "  alive=''; for p in $(cat " + pids + "); do if running $p; then alive=\"$alive $p\"; fi; done",
                "  echo \"running at the restart:$alive\" > " + seen + ".tmp; mv " + seen + ".tmp " + seen,
                "  exec sleep 1000",
                "fi",
                // Both leave the output pipes alone: the restart then waits for nothing but the sweep, not for the output.
                "setsid bash -c 'trap \"\" TERM; echo $$ >> " + pids + "; exec sleep 1000' > /dev/null 2>&1 &",
                "sleep 1000 > /dev/null 2>&1 & echo $! >> " + pids,
                "while [ $(wc -l < " + pids + ") -lt 2 ]; do sleep 0.01; done",
                "sleep 0.3",                                            // ready (started) first: then a crash
                "exit 3"));
        sup = Supervisor.start(tree("leaver").child(proc("l", leaver).startSeconds(Duration.ZERO)
                .stopTimeout(Duration.ofMillis(500)).backoff(Backoff.none())).build());
        awaitRunning("l", 2);
        TestProcesses.awaitFile(seen);
        assertThat(Files.readString(seen).trim()).isEqualTo("running at the restart:");
        assertThat(info("l").lastExit()).hasValueSatisfying(x -> assertThat(x).isInstanceOf(ExitReason.Failure.class));
        List<Long> left = Files.readAllLines(pids).stream().map(String::trim).map(Long::parseLong).toList();
        assertThat(left).hasSize(2).noneMatch(ProcessChildTest::alive);
    }

    @Test
    void aWorkerThatDroppedTheTagIsStoppedWhenTheMainProcessExitsByItself() throws IOException {
        // env -i: the worker runs without the SUPERVISION_* variables, as a subprocess given a fresh environment
        // does; the tag scan cannot find it once the main process is gone, the tree's last sample can.
        Path pidFile = dir.resolve("worker.pid");
        Path main = script("main.sh", "env -i sleep 1000 & echo $! > " + pidFile + "\nsleep 2\nexit 1");
        sup = Supervisor.start(tree("untagged").child(proc("m", main).startSeconds(Duration.ZERO)
                        .guards(GuardSpec.builder().treeRssLimitBytes(1L << 40).interval(Duration.ofMillis(100)).build())
                .restart(Restart.TEMPORARY)).build());
        await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(e ->
                e instanceof SupervisorEvent.ChildExited x && x.child().equals("m")));
        long worker = Long.parseLong(Files.readString(pidFile).trim());
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !alive(worker));
        } finally {
            ProcessHandle.of(worker).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theCrashReportHasTheUnfinishedLastLineWhenAStrangerHoldsThePipe() throws IOException {
        // A detached process without the tag, started after the launch's memory sample, keeps stdout open: the
        // output is abandoned after the drain wait, and the last words (no line end) must still be in the report.
        Path holderPid = dir.resolve("holder.pid");
        Path main = script("main.sh", "sleep 0.5\n( setsid env -i sleep 1000 & echo $! > " + holderPid + " )\n"
                + "printf 'first\\nlast words'\nexit 3");
        sup = Supervisor.start(tree("lastwords").child(proc("m", main).startSeconds(Duration.ZERO)
                .restart(Restart.TEMPORARY)).build());
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(e ->
                    e instanceof SupervisorEvent.ChildExited x && x.child().equals("m")));
            ExitReason.Failure f = (ExitReason.Failure) events.stream().filter(e -> e instanceof SupervisorEvent.ChildExited)
                    .map(e -> ((SupervisorEvent.ChildExited) e).reason()).findFirst().orElseThrow();
            assertThat(((ProcessCrash) f.cause()).lastLines()).anySatisfy(l -> assertThat(l).endsWith("last words"));
        } finally {
            long holder = Long.parseLong(Files.readString(holderPid).trim());
            ProcessHandle.of(holder).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void twoHundredCrashRestartCyclesLeaveNoZombieThreadOrFileDescriptor() throws IOException {
        Path sleeper = script("sleeper.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("cycles").intensity(1_000, Duration.ofSeconds(1))
                .child(proc("c", sleeper).startSeconds(Duration.ZERO)
                        .output(OutputSpec.builder().sinks(OutputSink.discard()).build()).backoff(Backoff.none())).build());
        long pid = awaitRunning("c", 1);
        for (int warm = 2; warm <= 5; warm++) {                 // let lazily created threads and files exist
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            pid = awaitRunning("c", warm);
        }
        int threads = Thread.activeCount();
        long fds = openFds();
        for (int i = 6; i < 206; i++) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            pid = awaitRunning("c", i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> zombieChildren().isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> openFds() <= fds + 2 && Thread.activeCount() <= threads + 2);
    }

    private static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Children of this JVM in state Z (exited and not reaped). */
    private static List<Long> zombieChildren() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"));
                return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            } catch (IOException gone) {
                return false;
            }
        }).toList();
    }

    @Test
    void anExitIsReportedEvenWhenTheLedgerCannotBeWritten() throws IOException {
        Path sleeper = script("sleeper.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("noledger").child(proc("s", sleeper).restart(Restart.TEMPORARY)).build());
        long pid = awaitRunning("s", 1);
        // The state directory is deleted (a tmp cleaner) and a file takes its place: the ledger cannot be rewritten.
        try (var files = Files.walk(dir.resolve("state"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        Files.writeString(dir.resolve("state"), "");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(20)).until(() -> events.stream().anyMatch(e ->
                e instanceof SupervisorEvent.ChildExited x && x.child().equals("s") && x.reason() instanceof ExitReason.Failure));
        assertThat(sup.whichChildren().join()).noneMatch(c -> c.id().equals("s"));
    }

    @Test
    void startsThatFailAtOnceLeaveNoTimerBehind() throws Exception {
        int before = TestProcesses.pendingTimers();
        sup = Supervisor.start(tree("fastfail").build());
        // Polled readiness sets up a timer per start; 'false' often exits before that happens.
        ChildSpec fails = ProcessSpec.builder("f").command("false").stateDirectory(dir.resolve("state"))
                .readiness(Probe.file(dir.resolve("never"))).readinessInterval(Duration.ofMillis(50))
                .restart(Restart.TEMPORARY).childSpec();
        for (int i = 0; i < 100; i++) {
            var started = sup.startChild(fails);
            await().atMost(Duration.ofSeconds(10)).until(started::isDone);
            assertThat(started).isCompletedExceptionally();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> TestProcesses.pendingTimers() <= before + 2);
    }

    @Test
    void maxAgeRestartsWithoutCountingAFailure() throws IOException {
        Path sleeper = script("sleeper.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("age").intensity(0, Duration.ofSeconds(60))          // a counted restart would give up
                .child(proc("old", sleeper).maxAge(Duration.ofMillis(700))).build());
        long first = pid("old");
        await().atMost(Duration.ofSeconds(20)).until(() -> info("old").incarnation() >= 3);
        assertThat(alive(first)).isFalse();
        assertThat(info("old").lastExit()).contains(new ExitReason.RestartNow("maximum age PT0.7S reached"));
        assertThat(sup.termination()).isNotDone();
    }
}

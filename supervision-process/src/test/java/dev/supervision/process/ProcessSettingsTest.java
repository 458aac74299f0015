package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.Backoff;
import dev.supervision.ChildInfo;
import dev.supervision.ChildRef;
import dev.supervision.ChildState;
import dev.supervision.ExitReason;
import dev.supervision.Restart;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashKind;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.CrashSignature;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.launch.Launch;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.probe.Probe;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each setting of {@link ProcessSpec.Builder} shown on a real process: a bash script (or {@code /bin/sh}) reports what
 * it got (its initial environment from {@code /proc/$$/environ}, its directory, the signal it trapped), or the
 * supervisor's events and files show what the setting did. A report file is written aside and renamed into place,
 * and is the child's readiness probe where it can be: a started child has reported.
 */
@ExtendWith(LeftoverProcessCheck.class)
class ProcessSettingsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    private Supervisor sup;

    @AfterEach
    void stop() {
        if (sup != null) sup.stop(Duration.ofSeconds(30));
    }

    @Test
    void envAddsVariablesOverTheInheritedEnvironment() throws IOException {
        assumeThat(System.getenv("PATH")).isNotNull();
        assumeThat(System.getenv("HOME")).isNotNull();
        Path report = dir.resolve("environ");
        Path script = script("env.sh", writeAtomically(report, "/bin/cat /proc/$$/environ") + "\nexec sleep 1000");
        sup = Supervisor.start(tree("env").child(proc("env").command(script.toString())
                .env("SETTINGS_GREETING", "hello, world").env("HOME", dir.toString())
                .readiness(Probe.file(report))).build());
        Map<String, String> env = environment(report);
        assertThat(env).containsEntry("SETTINGS_GREETING", "hello, world")
                .containsEntry("HOME", dir.toString())                           // overrides the inherited value
                .containsEntry("PATH", System.getenv("PATH"))                    // inherited
                .containsEntry(ProcessTag.CHILD, "env");
    }

    @Test
    void withoutInheritedEnvironmentTheProcessSeesOnlyItsOwnVariablesAndTheTag() throws IOException {
        Path report = dir.resolve("environ");
        Path script = script("env.sh", writeAtomically(report, "/bin/cat /proc/$$/environ") + "\nexec /bin/sleep 1000");
        sup = Supervisor.start(tree("no-inherit").child(proc("bare").command("/bin/bash", script.toString())
                .inheritEnvironment(false).env("SETTINGS_ONLY", "mine").readiness(Probe.file(report))).build());
        Map<String, String> env = environment(report);
        assertThat(env.keySet()).containsExactlyInAnyOrder("SETTINGS_ONLY",
                ProcessTag.TREE, ProcessTag.CHILD, ProcessTag.INCARNATION, ProcessTag.RUN);
        assertThat(env).containsEntry("SETTINGS_ONLY", "mine").containsEntry(ProcessTag.TREE, sup.name())
                .containsEntry(ProcessTag.CHILD, "bare").containsEntry(ProcessTag.INCARNATION, "1");
    }

    @Test
    void theWorkingDirectoryIsWhereTheProcessRuns() throws IOException {
        Path work = Files.createDirectory(dir.resolve("work"));
        Path report = dir.resolve("pwd");
        Path script = script("pwd.sh", writeAtomically(report, "pwd -P") + "\nexec sleep 1000");
        sup = Supervisor.start(tree("cwd").child(proc("cwd").command(script.toString())
                .workingDirectory(work).readiness(Probe.file(report))).build());
        assertThat(Files.readString(report).strip()).isEqualTo(work.toRealPath().toString())
                .isNotEqualTo(Path.of("").toRealPath().toString());
    }

    @Test
    void aShellCommandRunsThroughBinSh() throws IOException {
        Path report = dir.resolve("shell");
        Path partial = dir.resolve("shell.partial");
        String line = "echo \"$0 says $SETTINGS_WORD\" | tr a-z A-Z > " + partial + " && mv " + partial + " " + report
                + "; exec sleep 1000";
        sup = Supervisor.start(tree("shell").child(proc("sh").shellCommand(line).env("SETTINGS_WORD", "piped")
                .readiness(Probe.file(report))).build());
        assertThat(Files.readString(report).strip()).isEqualTo("/BIN/SH SAYS PIPED");     // $0, the pipe, $VAR expanded
        assertThat(notices("sh", ProcessEvent.Launched.class)).singleElement()
                .satisfies(l -> assertThat(l.argv()).containsExactly("/bin/sh", "-c", line));
    }

    /** The script traps every stop signal and writes the name of the one it got; SIGTERM would be the default. */
    @ParameterizedTest
    @EnumSource(value = StopSignal.class, names = {"INT", "HUP", "USR1", "USR2"})
    void theStopSignalIsWhatTheProcessReceives(StopSignal signal) throws IOException {
        // Launched the JDK's way, a child inherits what this JVM ignores (nohup: SIGHUP; a background job: SIGINT),
        // and bash cannot trap a signal ignored at its start (docs/processes.md, Launcher).
        assumeThat(Launch.isNative() || !ignoredByThisJvm(signal)).as("%s reaches a child of this JVM", signal).isTrue();
        Path report = dir.resolve("signal");
        Path armed = dir.resolve("armed");
        Path script = script("trapper.sh", String.join("\n",
                "for s in TERM INT HUP QUIT USR1 USR2; do",
                "    trap \"" + writeAtomically(report, "echo $s") + "; exit 0\" $s",
                "done",
                "touch " + armed,
                "while true; do sleep 0.05; done"));
        sup = Supervisor.start(tree("stop-" + signal).child(proc("trapper").command(script.toString())
                .stopSignal(signal).readiness(Probe.file(armed))).build());
        sup.terminateChild("trapper").join();
        assertThat(Files.readString(report).strip()).isEqualTo(signal.name());
        assertThat(info("trapper").lastExit()).contains(new ExitReason.Shutdown("exit 0"));    // by its trap, not SIGKILL
        assertThat(notices("trapper", ProcessEvent.StopEscalated.class)).isEmpty();
    }

    @Test
    void normalExitCodesAreNotCrashes() throws IOException {
        sup = Supervisor.start(tree("normal-codes").intensity(10, Duration.ofSeconds(60))
                .child(job("three", exitOnce(3)).normalExitCodes(0, 3))
                .child(job("four", exitOnce(4)).normalExitCodes(0, 3)).build());
        await().atMost(WAIT).until(() -> !exits("three").isEmpty()
                && info("four").incarnation() == 2 && info("four").state() == ChildState.RUNNING);
        assertThat(exits("three")).containsExactly(ExitReason.NORMAL);
        assertThat(info("three").state()).isEqualTo(ChildState.STOPPED);           // a TRANSIENT child is not restarted
        assertThat(info("three").incarnation()).isEqualTo(1);
        assertThat(notices("three", ProcessEvent.Crashed.class)).isEmpty();
        assertThat(exits("four")).singleElement().isInstanceOfSatisfying(ExitReason.Failure.class, f ->
                assertThat(f.cause()).isInstanceOfSatisfying(ProcessCrash.class, c -> {
                    assertThat(c.kind()).isEqualTo(ProcessCrash.Kind.EXIT_CODE);
                    assertThat(c.exit()).contains(new ExitStatus(4));
                }));
        assertThat(notices("four", ProcessEvent.Crashed.class)).singleElement()
                .satisfies(c -> assertThat(c.report().kind()).isEqualTo("EXIT_CODE"));
    }

    /**
     * A readiness command that hangs is cut at the probe timeout: each attempt fails naming that timeout, its process is
     * killed, and the next attempt follows (and passes, once the probe can).
     */
    @Test
    void theProbeTimeoutBoundsEachReadinessAttempt() throws IOException {
        Path ready = dir.resolve("ready");
        Path pids = dir.resolve("probe-pids");
        Path probe = script("probe.sh", "[ -e " + ready + " ] && exit 0\necho $$ >> " + pids + "\nexec sleep 30");
        Path server = script("server.sh", "exec sleep 1000");
        sup = Supervisor.start(tree("probe-timeout").build());
        CompletableFuture<ChildRef> adding = sup.startChild(proc("slow").command(server.toString())
                .readiness(Probe.command("/bin/bash", probe.toString())).probeTimeout(Duration.ofMillis(300)).build());
        await().atMost(WAIT).until(() -> notices("slow", ProcessEvent.ReadinessFailed.class).size() >= 2);
        List<ProcessEvent.ReadinessFailed> failed = notices("slow", ProcessEvent.ReadinessFailed.class).subList(0, 2);
        assertThat(failed).extracting(ProcessEvent.ReadinessFailed::error).containsOnly("timed out after 300 ms");
        assertThat(failed).extracting(ProcessEvent.ReadinessFailed::attempt).containsExactly(1, 2);
        List<Long> cut = Files.readAllLines(pids).stream().limit(2).map(Long::parseLong).toList();   // one pid per attempt
        assertThat(cut).hasSize(2);
        await().atMost(WAIT).until(() -> cut.stream().noneMatch(p -> ProcessScan.startTime(p).isPresent()));
        Files.writeString(ready, "");
        assertThat(adding).succeedsWithin(WAIT);
    }

    @Test
    void crashHistoryFalseWritesNoHistory() throws IOException {
        Path off = dir.resolve("state-off");
        Path on = dir.resolve("state-on");
        Path crash = script("crash.sh", "echo going down\nexit 2");
        sup = Supervisor.start(tree("history")
                .child(job("unrecorded", crash).restart(Restart.TEMPORARY).stateDirectory(off).crashHistory(false))
                .child(job("recorded", crash).restart(Restart.TEMPORARY).stateDirectory(on)).build());
        CrashReport unrecorded = crashed("unrecorded").report();                        // still reported as an event
        assertThat(unrecorded.exit()).contains(new ExitStatus(2));
        crashed("recorded");                                                            // written before it is announced
        // The state directory holds at most the ledger (only when the process was still there to be recorded).
        try (Stream<Path> files = Files.exists(off) ? Files.walk(off) : Stream.empty()) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.startsWith("crashes.jsonl"));
        }
        assertThat(CrashHistory.open(on, sup.name()).all()).singleElement().satisfies(r -> {
            assertThat(r.child()).isEqualTo("recorded");
            assertThat(r.exit()).contains(new ExitStatus(2));
        });
    }

    /**
     * Each child's crashes are classified by its own library: one with a signature of its own (whose action, do not
     * restart, is carried out), one with the built-in library beside it printing the same line, one with none at all
     * printing a line the built-in library knows (a CUDA out-of-memory error).
     */
    @Test
    void aPerSpecSignatureLibraryClassifiesTheCrash() throws IOException {
        Path meltdown = script("meltdown.sh", "echo 'FROBNICATOR MELTDOWN in core 7'\nexit 1");
        Path oom = script("oom.sh", "echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'\nexit 1");
        SignatureLibrary custom = SignatureLibrary.builtIn().with(CrashSignature.builder("frobnicator-meltdown")
                .kind(CrashKind.OTHER).onLine("FROBNICATOR MELTDOWN in core \\d+", "FROBNICATOR MELTDOWN")
                .action(CrashAction.doNotRestart()).advice("replace the frobnicator").build());
        sup = Supervisor.start(tree("signatures")
                .child(job("custom", meltdown).restart(Restart.TEMPORARY).signatures(custom))
                .child(job("builtin", meltdown).restart(Restart.TEMPORARY))
                .child(job("none", oom).restart(Restart.TEMPORARY).signatures(SignatureLibrary.empty())).build());

        ProcessEvent.Crashed byOwn = crashed("custom");
        assertThat(byOwn.report().kind()).isEqualTo("OTHER");
        assertThat(byOwn.report().basis()).isEqualTo(CrashBasis.OUTPUT_LINE);
        assertThat(byOwn.report().matchedLine()).hasValueSatisfying(l -> assertThat(l).contains("MELTDOWN in core 7"));
        assertThat(byOwn.report().advice()).contains("replace the frobnicator");
        assertThat(byOwn.action()).isEqualTo(CrashAction.doNotRestart());
        await().atMost(WAIT).until(() -> !exits("custom").isEmpty());
        assertThat(exits("custom")).singleElement().isInstanceOf(ExitReason.Fatal.class);

        ProcessEvent.Crashed byBuiltIn = crashed("builtin");
        assertThat(byBuiltIn.report().kind()).isEqualTo("EXIT_CODE");
        assertThat(byBuiltIn.report().matchedLine()).isEmpty();

        ProcessEvent.Crashed byNone = crashed("none");
        assertThat(byNone.report().lastLines()).anySatisfy(l -> assertThat(l).contains("CUDA out of memory"));
        assertThat(byNone.report().kind()).isEqualTo("EXIT_CODE");                      // GPU_OOM with the built-in library
        assertThat(byNone.report().matchedLine()).isEmpty();
    }

    private Path script(String name, String body) throws IOException {
        return TestProcesses.script(dir, name, body);
    }

    /** A bash command writing {@code command}'s output to {@code file} whole: aside first, then renamed. */
    private static String writeAtomically(Path file, String command) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        return command + " > " + partial + " && /bin/mv " + partial + " " + file;
    }

    private ProcessSpec.Builder proc(String id) {
        return ProcessSpec.builder(id).stateDirectory(dir.resolve("state")).readinessInterval(Duration.ofMillis(50))
                .stopTimeout(Duration.ofSeconds(2));
    }

    /** A process started at launch (an exit right after is still its own exit) and restarted at once. */
    private ProcessSpec.Builder job(String id, Path script) {
        return proc(id).command(script.toString()).startSeconds(Duration.ZERO).restart(Restart.TRANSIENT).backoff(Backoff.none());
    }

    /** A script exiting with {@code code} the first time, running on after that. */
    private Path exitOnce(int code) throws IOException {
        Path marker = dir.resolve("exited-" + code);
        return script("exit-" + code + ".sh",
                "if [ -e " + marker + " ]; then exec sleep 1000; fi\ntouch " + marker + "\nexit " + code);
    }

    /** Tree names are unique to this test JVM, so that no other run's orphan cleanup touches ours. */
    private SupervisorSpec.Builder tree(String name) {
        return SupervisorSpec.builder(TestProcesses.tree(name)).shutdownHook(false).listener(events::add);
    }

    /** The environment a process was started with, as {@code /proc/<pid>/environ} gives it. */
    private static Map<String, String> environment(Path environ) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")) {
            if (entry.isEmpty()) continue;
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }

    /** Whether this JVM ignores {@code signal} (Linux numbers: only HUP and INT are ignored by nohup or a shell). */
    private static boolean ignoredByThisJvm(StopSignal signal) throws IOException {
        int number = switch (signal) {
            case HUP -> 1;
            case INT -> 2;
            default -> 0;
        };
        String ignored = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("SigIgn:"))
                .map(l -> l.substring("SigIgn:".length()).strip()).findFirst().orElseThrow();
        return number > 0 && (Long.parseUnsignedLong(ignored, 16) & 1L << (number - 1)) != 0;
    }

    private ChildInfo info(String id) {
        return sup.whichChildren().join().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private <T extends ProcessEvent> List<T> notices(String child, Class<T> type) {
        return events.stream().filter(e -> e instanceof SupervisorEvent.ChildNoticed n && n.child().equals(child))
                .map(e -> ((SupervisorEvent.ChildNoticed) e).notice()).filter(type::isInstance).map(type::cast).toList();
    }

    private List<ExitReason> exits(String child) {
        return events.stream().filter(e -> e instanceof SupervisorEvent.ChildExited x && x.child().equals(child))
                .map(e -> ((SupervisorEvent.ChildExited) e).reason()).toList();
    }

    /** The first crash of {@code child}, once announced. */
    private ProcessEvent.Crashed crashed(String child) {
        return await().atMost(WAIT).until(() -> notices(child, ProcessEvent.Crashed.class), l -> !l.isEmpty()).get(0);
    }
}

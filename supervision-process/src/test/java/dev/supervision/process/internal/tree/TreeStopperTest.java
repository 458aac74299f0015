package dev.supervision.process.internal.tree;

import static dev.supervision.process.testing.TestProcesses.awaitFile;
import static dev.supervision.process.testing.TestProcesses.launch;
import static dev.supervision.process.testing.TestProcesses.script;
import static dev.supervision.process.testing.TestProcesses.stopTree;
import static dev.supervision.process.testing.TestProcesses.tagged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

@ExtendWith(LeftoverProcessCheck.class)
@EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
class TreeStopperTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ScheduledExecutorService scheduler;
    private TreeStopper stopper;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-stop-scheduler"));
        stopper = new TreeStopper(scheduler);
    }

    @AfterEach
    void shutDown() throws InterruptedException {
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aProcessWhoseLeaderThreadExitedIsStillFoundAndStopped() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 to end a main thread alone: stopping a process whose leader exited was not tested");
        ProcessTag tag = ProcessTag.of(TestProcesses.tree("leader-exited"), "c", 1);
        // The main thread ends with pthread_exit while another thread runs on: /proc shows the process as a
        // zombie with two threads, and its environ only through the live thread.
        Path py = dir.resolve("leader_exits.py");
        Files.writeString(py, "import ctypes, threading, time\n"
                + "threading.Thread(target=time.sleep, args=(300,)).start()\n"
                + "ctypes.CDLL(None).pthread_exit(None)\n");
        Process p = launch(tag, script(dir, "leader.sh", "exec /usr/bin/python3 " + py));
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessScan.stat(p.pid()).map(st -> st.state() == 'Z').orElse(false));
        ProcessRef ref = ProcessScan.ref(p.pid()).orElseThrow(() -> new AssertionError("taken for dead"));

        assertThat(tagged(tag.tree())).containsExactly(ref);
        StopResult r = stopTree(stopper, p, Signal.TERM, Duration.ofSeconds(5), tag).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(r.signalled()).contains(ref);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(tagged(tag.tree())).isEmpty();
    }

    @Test
    void killsAChildThatIgnoresSigtermAfterTheStopTimeout() throws Exception {
        ProcessTag tag = ProcessTag.of(TestProcesses.tree("ignores-term"), "stubborn", 1);
        Path ready = dir.resolve("ready");
        Process p = launch(tag, script(dir, "stubborn.sh",
                "trap '' TERM\ntouch " + ready + "\nwhile :; do sleep 0.2; done"));
        awaitFile(ready);

        StopResult r = stopTree(stopper, p, Signal.TERM, Duration.ofMillis(500), tag).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        LoggerFactory.getLogger(getClass()).warn("SIGTERM-ignoring child, stop timeout 500 ms: {}", r);
        assertThat(r.clean()).as(r.toString()).isTrue();
        assertThat(r.problems()).isEmpty();
        assertThat(r.signalled()).extracting(ProcessRef::pid).contains(p.pid());
        assertThat(r.killed()).extracting(ProcessRef::pid).contains(p.pid());
        assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(5));
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(tagged(tag.tree())).isEmpty();
    }

    @Test
    void leavesNoGrandchildNorSetsidDetachedGrandchildBehind() throws Exception {
        ProcessTag tag = ProcessTag.of(TestProcesses.tree("grandchildren"), "parent", 1);
        Path ready = dir.resolve("ready");
        Process p = launch(tag, script(dir, "family.sh", String.join("\n",
                "sleep 300 &",
                "bash -c 'sleep 300 & wait' &",
                "setsid -f bash -c \"trap '' TERM; sleep 300 & wait\"",
                "setsid sleep 300 &",
                "touch " + ready,
                "wait")));
        awaitFile(ready);
        // Six processes besides the root; the setsid -f one re-parented to init, outside the root's descendants.
        await().atMost(WAIT).until(() -> tagged(tag.tree()).size() >= 7);
        List<ProcessRef> before = tagged(tag.tree());
        List<Long> descendants = p.toHandle().descendants().map(ProcessHandle::pid).toList();
        assertThat(before).extracting(ProcessRef::pid).anyMatch(pid -> !descendants.contains(pid) && pid != p.pid());

        StopResult r = stopTree(stopper, p, Signal.TERM, Duration.ofMillis(300), tag).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        LoggerFactory.getLogger(getClass()).warn("tree with grandchildren and setsid-detached ones, stop timeout 300 ms: {}", r);
        assertThat(r.clean()).as(r.toString()).isTrue();
        assertThat(r.signalled()).containsAll(before);
        assertThat(before).noneMatch(ProcessScan::isAlive);
        assertThat(tagged(tag.tree())).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Signal.class, names = {"TERM", "INT", "QUIT", "HUP", "USR1"})
    void deliversTheConfiguredStopSignal(Signal signal) throws Exception {
        assumeFalse(ignoredByThisJvm(signal), "SIG" + signal + " is ignored by this JVM, so a child cannot trap it");
        ProcessTag tag = ProcessTag.of(TestProcesses.tree("signal-" + signal), "trapper", 1);
        Path ready = dir.resolve("ready");
        Path got = dir.resolve("got");
        Process p = launch(tag, script(dir, "trapper.sh", String.join("\n",
                "trap 'echo " + signal + " > " + got + "; exit 0' " + signal,
                "touch " + ready,
                "while :; do sleep 0.05; done")));
        awaitFile(ready);

        StopResult r = stopTree(stopper, p, signal, Duration.ofSeconds(10), tag).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(r.clean()).as(r.toString()).isTrue();
        assertThat(r.killed()).isEmpty();
        assertThat(Files.readString(got).strip()).isEqualTo(signal.name());
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void neverTouchesAnotherIncarnationOfTheSameChild() throws Exception {
        String tree = TestProcesses.tree("incarnations");
        ProcessTag first = ProcessTag.of(tree, "c", 1);
        ProcessTag second = ProcessTag.of(tree, "c", 2);
        Path s = script(dir, "sleep.sh", "exec sleep 300");
        Process old = launch(first, s);
        Process next = launch(second, s);
        await().atMost(WAIT).until(() -> tagged(tree).size() == 2);

        StopResult r = stopTree(stopper, old, Signal.TERM, Duration.ofSeconds(5), first).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(r.clean()).isTrue();
        assertThat(r.killed()).isEmpty();
        assertThat(old.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(old.exitValue()).isEqualTo(143);
        assertThat(next.isAlive()).isTrue();
        assertThat(stopTree(stopper, next, Signal.TERM, Duration.ofSeconds(5), second).get(WAIT.toSeconds(), TimeUnit.SECONDS)
                .clean()).isTrue();
    }

    @Test
    void aTreeThatKeepsComingBackIsReportedNotWaitedOnForEver() throws Exception {
        String tree = TestProcesses.tree("respawn");
        ProcessTag victim = ProcessTag.of(tree, "victim", 1);
        ProcessTag spawner = ProcessTag.of(tree, "spawner", 1);
        // Outside the victim's tree (another child), the spawner keeps starting processes tagged as the victim.
        Process p = launch(spawner, script(dir, "spawner.sh", String.join("\n",
                "while :; do",
                "  env SUPERVISION_CHILD=victim sleep 300 &",
                "  sleep 0.001",
                "done")));
        try {
            await().atMost(WAIT).until(() -> !ProcessScan.scan(victim::equals).isEmpty());
            TreeStopper quick = new TreeStopper(scheduler, Duration.ofMillis(100));

            StopResult r = quick.stop(List.of(), victim::equals, Signal.TERM, Duration.ofMillis(100))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);

            // Never hangs: three SIGKILL rounds of 100 ms, whatever the spawner does (a bound that holds on a loaded
            // machine, where each round's sweep of thousands of processes is slow, and still far from "for ever").
            assertThat(r.elapsed()).isLessThan(WAIT);
            assumeFalse(r.clean(), "the spawner did not outpace the last SIGKILL round this time: " + r);
            assertThat(r.survivors()).isNotEmpty();
            assertThat(r.problems()).anyMatch(m -> m.contains("still alive after 3 SIGKILL rounds"));
        } finally {
            // The whole tree by its name: a victim forked just before the spawner died re-parents to init
            // and carries only the victim's tag.
            ProcessRef spawnerRef = ProcessScan.ref(p.pid()).orElseThrow();
            assertThat(stopper.stop(List.of(spawnerRef), t -> t.tree().equals(tree), Signal.TERM, Duration.ofSeconds(1))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).clean()).isTrue();
            assertThat(tagged(tree)).isEmpty();
        }
    }

    @Test
    void twoHundredCrashAndStopCyclesLeaveNoZombieThreadOrDescriptor() throws Exception {
        String tree = TestProcesses.tree("cycles");
        Path crash = script(dir, "crash.sh", "sleep 300 &\nexit 3");
        Path serve = script(dir, "serve.sh", "sleep 300 &\nwait");
        // Warm up the JDK's process reaper and our scheduler before taking the baseline.
        cycle(tree, 0, serve);
        int fds = openDescriptors();
        int threads = Thread.getAllStackTraces().size();

        for (int i = 1; i <= 200; i++) {
            cycle(tree, i, i % 2 == 0 ? crash : serve);
        }

        assertThat(tagged(tree)).isEmpty();
        assertThat(zombieChildren()).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(openDescriptors()).isLessThanOrEqualTo(fds + 5);
            assertThat(Thread.getAllStackTraces().size()).isLessThanOrEqualTo(threads + 5);
        });
    }

    private void cycle(String tree, int incarnation, Path script) throws Exception {
        ProcessTag tag = ProcessTag.of(tree, "cycler", incarnation + 1);
        Process p = launch(tag, script);
        await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> !tagged(tree).isEmpty());
        StopResult r = stopTree(stopper, p, Signal.TERM, Duration.ofSeconds(5), tag).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.clean()).as(r.toString()).isTrue();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    }

    private static int openDescriptors() throws IOException {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            int n = 0;
            for (Path ignored : fds) {
                n++;
            }
            return n;
        }
    }

    private static List<Long> zombieChildren() throws IOException {
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : procs) {
                long pid = Long.parseLong(d.getFileName().toString());
                ProcessScan.stat(pid).filter(s -> s.ppid() == self && s.state() == 'Z').ifPresent(s -> out.add(pid));
            }
        }
        return out;
    }

    /** Whether the signal's bit is set in this JVM's SigIgn mask (then every child inherits it ignored). */
    private static boolean ignoredByThisJvm(Signal signal) throws IOException {
        int number = switch (signal) {
            case HUP -> 1;
            case INT -> 2;
            case QUIT -> 3;
            case USR1 -> 10;
            case TERM -> 15;
            default -> throw new IllegalArgumentException(signal.name());
        };
        String mask = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).strip();
        return (Long.parseUnsignedLong(mask, 16) & (1L << (number - 1))) != 0;
    }
}

package dev.supervision.process.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.crash.CrashHistoryTest;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeftoverProcessCheck.class)
class PreflightTest {
    private static final String TREE = TestProcesses.tree("preflight");
    private static final long GIB = 1L << 30;

    @TempDir Path dir;

    @Test
    void diskFreeFailsJustAboveTheCurrentFreeSpaceNamingThePathAndBothNumbers() throws Exception {
        long usable = Files.getFileStore(dir).getUsableSpace();
        long above = usable + usable / 10 + GIB;             // margins for other processes writing meanwhile
        PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> Preflight.diskFree(dir, above).check(TREE));
        assertThat(f.getMessage()).startsWith("preflight diskFree(" + dir + ", " + above + ") failed: " + dir + " has ")
                .contains(" bytes free (", " MiB), needs " + above + " (");
        assertThat(Long.parseLong(f.getMessage().replaceAll(".* has (\\d+) bytes free.*", "$1")))
                .isBetween(usable / 2, usable + GIB);
        assertThat(f.check()).isEqualTo(Preflight.diskFree(dir, above));
        assertThat(f.failures()).containsExactly(f);

        Preflight.diskFree(dir, usable / 2).check(TREE);
        Preflight.diskFree(dir.resolve("not/yet/created"), usable / 2).check(TREE);  // the nearest existing ancestor counts
    }

    @Test
    void memoryAvailableFailsJustAboveTheCurrentValueAndPassesJustBelowIt() throws Exception {
        long available = memAvailable();
        long above = available + available / 2 + GIB;       // margins: other builds start and stop meanwhile
        assertThatThrownBy(() -> Preflight.memoryAvailable(above).check(TREE))
                .isInstanceOf(PreflightFailed.class)
                .hasMessageMatching("preflight memoryAvailable\\(" + above
                        + "\\) failed: \\d+ bytes of memory available \\(\\d+\\.\\d MiB\\), needs " + above + " \\(\\d+\\.\\d MiB\\)");
        Preflight.memoryAvailable(available / 2).check(TREE);
    }

    @Test
    void aMissingFileFailsNamingIt() throws Exception {
        Path missing = dir.resolve("model.safetensors");
        assertThatThrownBy(() -> Preflight.fileExists(missing).check(TREE)).isInstanceOf(PreflightFailed.class)
                .hasMessage("preflight fileExists(" + missing + ") failed: " + missing + " does not exist");
        Files.writeString(missing, "weights");
        Preflight.fileExists(missing).check(TREE);
    }

    @Test
    void aFreePortPassesAndTheSameCheckFailsWhileSomethingListensThere() throws Exception {
        int port = freePort();
        Preflight check = Preflight.portFree(port);
        check.check(TREE);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThatThrownBy(() -> check.check(TREE)).isInstanceOf(PreflightFailed.class)
                    .hasMessageStartingWith("preflight portFree(" + port + ") failed: port " + port + " is held by pid ");
        }
        check.check(TREE);                                   // closed: free again
    }

    @Test
    void aPortHeldByThisJvmIsAStrangersNamedByPidAndCommand() throws Exception {
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = held.getLocalPort();
            PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> Preflight.portFree(port).check(TREE));
            long self = ProcessHandle.current().pid();
            assertThat(f.heldByOwnTree()).isFalse();
            assertThat(f.holderPid()).hasValue(self);
            assertThat(f.getMessage()).startsWith("preflight portFree(" + port + ") failed: port " + port + " is held by pid "
                    + self + " (this JVM: ").contains("java").endsWith(", not a process of tree '" + TREE + "'");
            assertThat(held.isBound()).as("the check never touches a stranger").isTrue();
        }
    }

    @Test
    void aPortHeldByAnUntaggedProcessFailsNamingItsPidAndCommand() throws Exception {
        Process holder = holder(null);
        try {
            int port = portOf(holder);
            PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> Preflight.portFree(port).check(TREE));
            assertThat(f.heldByOwnTree()).isFalse();
            assertThat(f.holderPid()).hasValue(holder.pid());
            assertThat(f.getMessage()).startsWith("preflight portFree(" + port + ") failed: port " + port + " is held by pid "
                    + holder.pid() + " (").contains(PortHolderMain.class.getName()).endsWith(", not a process of tree '" + TREE + "'");
            assertThat(holder.isAlive()).isTrue();
        } finally {
            stop(holder);
        }
    }

    @Test
    void aPortHeldByAnOrphanOfADeadRunOfOurTreeIsFreedByStoppingItAndPasses() throws Exception {
        String deadRun = deadRun();
        Process holder = holder(new ProcessTag(TREE, "vllm", 3, deadRun));
        try {
            int port = portOf(holder);
            Preflight.portFree(port).check(TREE);
            assertThat(holder.waitFor(10, TimeUnit.SECONDS)).as("the orphan was stopped").isTrue();
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));   // and the port is ours now
            }
        } finally {
            stop(holder);
        }
    }

    @Test
    void anOrphanOfAnotherTreeIsAStrangerAndLeftAlone() throws Exception {
        Process holder = holder(new ProcessTag(TestProcesses.tree("other"), "vllm", 3, deadRun()));
        try {
            int port = portOf(holder);
            PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> Preflight.portFree(port).check(TREE));
            assertThat(f.heldByOwnTree()).isFalse();
            assertThat(f.getMessage()).contains("is held by pid " + holder.pid() + " (", ", tree '" + TestProcesses.tree("other")
                    + "' child 'vllm' incarnation 3)").endsWith(", not a process of tree '" + TREE + "'");
            assertThat(holder.isAlive()).isTrue();
        } finally {
            stop(holder);
        }
    }

    @Test
    void aPortHeldByALiveProcessOfThisRunOfOurTreeFailsAndIsNotStopped() throws Exception {
        Process holder = holder(ProcessTag.of(TREE, "vllm", 3));
        try {
            int port = portOf(holder);
            PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> Preflight.portFree(port).check(TREE));
            assertThat(f.heldByOwnTree()).isTrue();
            assertThat(f.holderPid()).hasValue(holder.pid());
            assertThat(f.getMessage()).contains("port " + port + " is held by pid " + holder.pid() + " (", "tree '" + TREE
                    + "' child 'vllm' incarnation 3), a live process of tree '" + TREE + "' started by this JVM, not an orphan: not stopped");
            assertThat(holder.isAlive()).isTrue();
        } finally {
            stop(holder);
        }
    }

    @Test
    void gpuPresenceIsAskedOfNvidiaSmi() throws Exception {
        Path ok = script("ok-smi", "echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1234)'");
        Preflight.gpuPresent(ok.toString(), Duration.ofSeconds(10)).check(TREE);

        Path noDriver = script("no-driver-smi",
                "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9");
        assertThatThrownBy(() -> Preflight.gpuPresent(noDriver.toString(), Duration.ofSeconds(10)).check(TREE))
                .isInstanceOf(PreflightFailed.class)
                .hasMessage("preflight gpuPresent(" + noDriver + ") failed: " + noDriver
                        + " -L exited 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");

        Path noGpu = script("no-gpu-smi", "echo 'No devices found.'");
        assertThatThrownBy(() -> Preflight.gpuPresent(noGpu.toString(), Duration.ofSeconds(10)).check(TREE))
                .hasMessage("preflight gpuPresent(" + noGpu + ") failed: " + noGpu + " -L listed no GPU: No devices found.");

        Path absent = dir.resolve("absent-smi");
        assertThatThrownBy(() -> Preflight.gpuPresent(absent.toString(), Duration.ofSeconds(10)).check(TREE))
                .isInstanceOf(PreflightFailed.class)
                .hasMessageStartingWith("preflight gpuPresent(" + absent + ") failed: cannot run " + absent + " (no NVIDIA driver?): ");

        Path hangs = script("hanging-smi", "exec sleep 30");
        assertThatThrownBy(() -> Preflight.gpuPresent(hangs.toString(), Duration.ofMillis(300)).check(TREE))
                .isInstanceOf(PreflightFailed.class).hasMessageEndingWith(" -L did not answer within 300 ms");
    }

    @Test
    void combinedChecksReportEveryFailureAtOnce() throws Exception {
        Path weights = dir.resolve("weights");
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{}");
        Preflight.All all = Preflight.builder().fileExists(weights).fileExists(config).memoryAvailable(0)
                .diskFree(dir, Long.MAX_VALUE).build();
        assertThat(all.checks()).hasSize(4);

        PreflightFailed f = catchThrowableOfType(PreflightFailed.class, () -> all.check(TREE));
        assertThat(f.check()).isSameAs(all);
        assertThat(f.failures()).extracting(PreflightFailed::check)
                .containsExactly(Preflight.fileExists(weights), Preflight.diskFree(dir, Long.MAX_VALUE));
        assertThat(f.getMessage()).startsWith("2 of 4 preflight checks failed: preflight fileExists(" + weights + ") failed: "
                + weights + " does not exist; preflight diskFree(" + dir + ", " + Long.MAX_VALUE + ") failed: ");

        PreflightFailed one = catchThrowableOfType(PreflightFailed.class,
                () -> Preflight.all(Preflight.fileExists(config), Preflight.fileExists(weights)).check(TREE));
        assertThat(one.check()).isEqualTo(Preflight.fileExists(weights));          // a single failure is thrown as it is

        Files.writeString(weights, "w");
        Preflight.all(Preflight.fileExists(weights), Preflight.fileExists(config)).check(TREE);
        Preflight.builder().build().check(TREE);
    }

    @Test
    void badSettingsAreRejectedNamingTheFieldAndValue() {
        assertThatThrownBy(() -> Preflight.portFree(0)).hasMessage("port must be 1 to 65535, was 0");
        assertThatThrownBy(() -> Preflight.builder().portFree(65536)).hasMessage("port must be 1 to 65535, was 65536");
        assertThatThrownBy(() -> new Preflight.PortFree(80, Duration.ofSeconds(-1)))
                .hasMessage("orphanStopTimeout must be 0 or more, was PT-1S");
        assertThatThrownBy(() -> Preflight.diskFree(dir, -1)).hasMessage("bytes must be 0 or more, was -1");
        assertThatThrownBy(() -> Preflight.memoryAvailable(-5)).hasMessage("bytes must be 0 or more, was -5");
        assertThatThrownBy(() -> Preflight.gpuPresent(" ", Duration.ofSeconds(1))).hasMessage("executable must not be blank, was ' '");
        assertThatThrownBy(() -> Preflight.gpuPresent("nvidia-smi", Duration.ZERO)).hasMessage("timeout must be positive, was PT0S");
        assertThatThrownBy(() -> Preflight.builder().add(null)).hasMessage("check");
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static long memAvailable() throws Exception {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D+", "")) * 1024).findFirst().orElseThrow();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The run id of a JVM run that is over: a real process's pid and start time, taken before it exited. */
    private static String deadRun() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        long start = ProcessScan.startTime(p.pid()).orElseThrow();
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String run = p.pid() + "-" + start + "-dead";
        assertThat(ProcessTag.runIsAlive(run)).isFalse();
        return run;
    }

    /** A separate JVM holding a port of 127.0.0.1, with the given tag or none. */
    private static Process holder(ProcessTag tag) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                CrashHistoryTest.classPath(), PortHolderMain.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith(ProcessTag.PREFIX));
        if (tag != null) {
            tag.applyTo(pb);
        }
        return pb.start();
    }

    private static int portOf(Process holder) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the holder printed its port").isNotNull().matches("\\d+");
        return Integer.parseInt(line);
    }

    private static void stop(Process holder) throws Exception {
        if (holder.isAlive()) {
            holder.getOutputStream().close();
        }
        if (!holder.waitFor(20, TimeUnit.SECONDS)) {
            holder.destroyForcibly();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !holder.isAlive());
    }
}

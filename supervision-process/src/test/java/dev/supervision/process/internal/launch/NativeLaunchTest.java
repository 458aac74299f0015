package dev.supervision.process.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.process.internal.tree.ProcessScan;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native launcher (posix_spawn, pidfd, epoll) against the JDK's ProcessBuilder: the same child sees
 * the same things either way. Real processes throughout.
 */
@EnabledOnOs(OS.LINUX)
class NativeLaunchTest {
    @TempDir
    Path dir;

    private static ProcessBuilder pb(String script) {
        return new ProcessBuilder("bash", "-c", script)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    private static Process nativeStart(ProcessBuilder pb) throws IOException {
        assumeTrue(Launch.launcher().isPresent(), "native launcher unavailable: " + Launch.describe());
        Process p = Launch.start(pb);
        assertThat(p).isInstanceOf(PollableProcessCheck.TYPE);
        return p;
    }

    /** Reads a whole stream on this thread (a platform thread: the stream parks it while the pipe is empty). */
    private static String all(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void isWhatThisBuildRunsOnJava22() {
        // The build runs its tests with native access enabled: when it was built on JDK 22+ (the launcher's
        // classes are in it) and runs on Java 22+ Linux, every process child of the suite is started
        // natively, so the suite exercises this path (otherwise, the JDK's).
        assumeTrue(Runtime.version().feature() >= 22 && PollableProcessCheck.TYPE != Void.class,
                "built or run before Java 22: that the suite launches natively was not tested");
        assertThat(Launch.describe()).startsWith("posix_spawn");
    }

    @Test
    void childSeesTheSameAsWithProcessBuilder() throws Exception {
        Files.writeString(dir.resolve("marker"), "here");
        // ls lists its own descriptors: the three inherited, its pipe to sort, and the directory it reads (3).
        String script = "ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; readlink /proc/$$/fd/0; echo \"$FOO\"; pwd; cat marker;"
                + " echo; grep -E 'SigBlk|SigIgn' /proc/self/status; echo to-stderr >&2";
        List<String> outputs = new ArrayList<>();
        for (boolean nat : new boolean[] {true, false}) {
            ProcessBuilder pb = pb(script).directory(dir.toFile());
            pb.environment().put("FOO", "bar baz");
            Process p = nat ? nativeStart(pb) : pb.start();
            String out = all(p.getInputStream());
            String err = all(p.getErrorStream());
            assertThat(p.waitFor()).isZero();
            assertThat(err).isEqualTo("to-stderr\n");
            outputs.add(out);
        }
        // The native launcher starts every signal at its default; ProcessBuilder's child inherits what this JVM
        // ignores (run under nohup or in a background job: SIGHUP, SIGINT). The rest is the same.
        // Signals 1..31 only: bash itself ignores two of glibc's real-time signals (32, 33) in either case.
        long jvmIgnores = sigIgn(Files.readString(Path.of("/proc/self/status"))) & 0x7fffffffL;
        assertThat(sigIgn(outputs.get(0)) & jvmIgnores).as("signals the native child ignores because this JVM does").isZero();
        assertThat(outputs.get(0)).isEqualTo(withSigIgn(outputs.get(1), sigIgn(outputs.get(1)) & ~jvmIgnores))
                .startsWith("0 1 2 3 \n/dev/null\nbar baz\n" + dir.toRealPath() + "\nhere\nSigBlk:\t0000000000000000\n");
    }

    private static long sigIgn(String status) {
        Matcher m = Pattern.compile("SigIgn:\\t([0-9a-f]+)").matcher(status);
        assertThat(m.find()).as(status).isTrue();
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    private static String withSigIgn(String status, long mask) {
        return status.replaceFirst("SigIgn:\\t[0-9a-f]+", "SigIgn:\t" + String.format("%016x", mask));
    }

    @Test
    void exitValuesFollowTheJdk() throws Exception {
        assertThat(nativeStart(pb("exit 3")).waitFor()).isEqualTo(3);
        assertThat(nativeStart(pb("kill -KILL $$")).waitFor()).isEqualTo(128 + 9);
        assertThat(nativeStart(pb("kill -TERM $$")).waitFor()).isEqualTo(128 + 15);
        Process sleeper = nativeStart(pb("exec sleep 30"));
        assertThat(sleeper.isAlive()).isTrue();
        assertThatThrownBy(sleeper::exitValue).isInstanceOf(IllegalThreadStateException.class);
        assertThat(sleeper.waitFor(10, TimeUnit.MILLISECONDS)).isFalse();
        sleeper.destroy();
        assertThat(sleeper.onExit().get(10, TimeUnit.SECONDS).exitValue()).isEqualTo(128 + 15);
        assertThat(sleeper.isAlive()).isFalse();
        sleeper.destroyForcibly();                       // reaped: the handle's start time check makes it a no-op
    }

    @Test
    void missingProgramFailsWithTheJdksMessage() {
        assumeTrue(Launch.launcher().isPresent(), () -> "the native launcher was not tested: " + Launch.describe());
        ProcessBuilder pb = new ProcessBuilder("no-such-program-" + ProcessHandle.current().pid())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        assertThatThrownBy(() -> Launch.start(pb)).isInstanceOf(IOException.class)
                .hasMessage("Cannot run program \"" + pb.command().get(0) + "\": error=2, No such file or directory");
        assertThatThrownBy(pb::start).isInstanceOf(IOException.class)
                .hasMessageStartingWith("Cannot run program \"" + pb.command().get(0) + "\"");
        ProcessBuilder inDir = pb("true").directory(dir.resolve("missing").toFile());
        assertThatThrownBy(() -> Launch.start(inDir)).isInstanceOf(IOException.class)
                .hasMessageContaining("(in directory \"" + inDir.directory() + "\")").hasMessageContaining("error=2");
    }

    @Test
    void propertyChoosesTheJdk() throws Exception {
        String before = System.getProperty(Launch.PROPERTY);
        System.setProperty(Launch.PROPERTY, "jdk");
        try {
            Process p = Launch.start(pb("exit 0"));
            assertThat(p).isNotInstanceOf(PollableProcessCheck.TYPE);
            assertThat(p.waitFor()).isZero();
            assertThat(Launch.describe()).startsWith("JDK ProcessBuilder");
        } finally {
            if (before == null) System.clearProperty(Launch.PROPERTY);
            else System.setProperty(Launch.PROPERTY, before);
        }
    }

    @Test
    void hundredChildrenAddNoThreadAndLeaveNoDescriptor() throws Exception {
        assumeTrue(Launch.launcher().isPresent(), () -> "the native launcher was not tested: " + Launch.describe());
        nativeStart(pb("exit 0")).waitFor();             // the poller thread exists from here on
        long fdsBefore = openDescriptors();
        int threadsBefore = Thread.getAllStackTraces().size();
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) children.add(nativeStart(pb("exec sleep 60")));
            assertThat(Thread.getAllStackTraces().size()).isLessThanOrEqualTo(threadsBefore + 2);
        } finally {
            children.forEach(Process::destroyForcibly);
        }
        for (Process p : children) {
            assertThat(p.onExit().get(10, TimeUnit.SECONDS).exitValue()).isEqualTo(128 + 9);
            p.getInputStream().close();
            p.getErrorStream().close();
        }
        assertThat(openDescriptors()).isLessThanOrEqualTo(fdsBefore);
    }

    /** A dedicated (busy) stream's pipe holds 1 MiB where the kernel allows: the child writes 900 kB unread without blocking. */
    @Test
    void aDedicatedStreamsPipeHoldsAMegabyte() throws Exception {
        byte[] b = new byte[32];                      // one read: a sysctl file answers a 1-byte read with 1 byte
        int n = ProcessScan.readProc("/proc/sys/fs/pipe-max-size", b);
        long max = n <= 0 ? 0 : Long.parseLong(new String(b, 0, n, StandardCharsets.US_ASCII).trim());
        assumeTrue(max >= 1 << 20, "pipe-max-size " + max);
        Path go = dir.resolve("go");
        Path done = dir.resolve("done");
        Process p = nativeStart(pb("while [ ! -e " + go + " ]; do sleep 0.01; done; head -c 900000 /dev/zero; touch " + done
                + "; exec sleep 60"));
        try {
            assertThat(((PollableStream) p.getInputStream()).dedicate()).isEqualTo(1 << 20);
            Files.createFile(go);
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(done));
        } finally {
            p.destroyForcibly();
            p.waitFor();
            p.getInputStream().close();
            p.getErrorStream().close();
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** The native process type, by name: it is compiled only on JDK 22+. */
    private static final class PollableProcessCheck {
        static final Class<?> TYPE = type();

        private static Class<?> type() {
            try {
                return Class.forName("dev.supervision.process.internal.launch.NativeProcess");
            } catch (ClassNotFoundException e) {
                return Void.class;
            }
        }
    }
}

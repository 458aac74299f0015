package dev.supervision.process.internal.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.process.StopSignal;
import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A process tree's stop once its launched process is gone, with real processes. */
@EnabledOnOs(OS.LINUX)
@ExtendWith(LeftoverProcessCheck.class)
class ProcessTreeTest {
    private static final Path NS_LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");
    @TempDir Path dir;

    @Test
    void aStopAfterTheLaunchedProcessWasReapedSparesTheProcessThatGotItsPid() throws Exception {
        assumeTrue(Files.isWritable(NS_LAST_PID), "needs to choose the next pid (" + NS_LAST_PID + " writable: root)");
        ProcessTree tree = ProcessTree.forIncarnation(dir, TestProcesses.tree("reuse"), "c", 1);
        ProcessBuilder pb = new ProcessBuilder("sleep", "1000").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        tree.tag(pb.environment());
        tree.aboutToLaunch();
        Process launched = pb.start();
        tree.launched(launched);
        ProcessRef first = tree.root().orElseThrow();
        launched.destroyForcibly().waitFor();                  // exited and reaped: its pid is free again
        Process stranger = strangerWithPid(first);
        assumeTrue(stranger != null, "pid " + first.pid() + " was not handed out again in 50 tries");
        try {
            StopResult r = tree.stop(StopSignal.TERM, Duration.ZERO).get(20, TimeUnit.SECONDS);
            assertThat(r.signalled()).isEmpty();
            assertThat(r.killed()).isEmpty();
            assertThat(stranger.isAlive()).isTrue();
        } finally {
            stranger.destroyForcibly().waitFor();
            tree.forget();
        }
    }

    /**
     * An untagged process that got the pid of {@code gone}, started in a later clock tick (within the same
     * tick the two are the same process to anyone: pid and start time), or null when other processes took
     * the pid first every time.
     */
    private static Process strangerWithPid(ProcessRef gone) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            Files.writeString(NS_LAST_PID, Long.toString(gone.pid() - 1));
            Process p = new ProcessBuilder("sleep", "1000").start();
            if (p.pid() == gone.pid() && ProcessScan.startTime(p.pid()).orElse(gone.startTime()) != gone.startTime()) return p;
            p.destroyForcibly().waitFor();
        }
        return null;
    }
}

package dev.supervision.process.internal.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The pid floor of a sweep after an exit, against this host's real pid counter. */
class PidWrapTest {
    @Test
    void theFloorAfterAnExitIsTheExitedProcesssOwnPidUnlessTheCounterWrapped() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/sys/kernel/ns_last_pid")), "needs /proc/sys/kernel/ns_last_pid");
        long epoch = PidWrap.epoch();
        Process first = new ProcessBuilder("true").start();
        first.waitFor();
        Process second = new ProcessBuilder("true").start();
        second.waitFor();
        long floor = PidWrap.floor(first.pid(), epoch);
        if (PidWrap.epoch() != epoch) {
            // The counter wrapped meanwhile (once in pid_max launches on this host): the sweep must read everything.
            assertThat(floor).isZero();
            return;
        }
        // No wrap: the sweep skips exactly the pids below the exited process's, and a process started after it is above.
        assertThat(floor).isEqualTo(first.pid());
        assertThat(second.pid()).isGreaterThan(floor);
    }

    @Test
    void aWrapSeenSinceTheLaunchMeansReadingEverything() {
        long epoch = PidWrap.epoch();
        assertThat(PidWrap.floor(ProcessHandle.current().pid(), epoch - 1)).isZero();
    }

    @Test
    void aRootAboveTheCounterMeansReadingEverything() {
        assertThat(PidWrap.floor(Long.MAX_VALUE, PidWrap.epoch())).isZero();
    }
}

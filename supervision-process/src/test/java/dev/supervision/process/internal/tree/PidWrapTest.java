package dev.supervision.process.internal.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The pid floor of a sweep after an exit, against this host's real pid counter. */
class PidWrapTest {
    @Test
    void aProcessStartedNowHasAPidAboveTheFloorOfAnEarlierOne() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/sys/kernel/ns_last_pid")), "needs /proc/sys/kernel/ns_last_pid");
        long epoch = PidWrap.epoch();
        Process first = new ProcessBuilder("true").start();
        first.waitFor();
        Process second = new ProcessBuilder("true").start();
        second.waitFor();
        long floor = PidWrap.floor(first.pid(), epoch);
        // Either the counter wrapped between the two (floor 0: read everything) or the floor is the first's pid.
        assertThat(floor).isIn(0L, first.pid());
        if (floor == first.pid()) assertThat(second.pid()).isGreaterThan(first.pid());
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

package dev.supervision.process.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.testing.CgroupV2Fixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OOM-kill counter's reader on FIXTURES laid out like {@code /proc/<pid>/cgroup} and {@code /sys/fs/cgroup}
 * (this machine's memory controller is cgroup v1; the real v1 counter is tested end to end by
 * {@code CrashIntelligenceTest.aKernelOomKillInTheChildsCgroupIsConfirmedThroughItsCounter}).
 */
class CgroupOomKillsTest {
    @TempDir Path dir;

    @Test
    void onAV2HostFixtureTheCountIsReadFromTheCgroupsMemoryEventsAndFollowsIt() throws Exception {
        CgroupV2Fixture cgroup = CgroupV2Fixture.create(dir, 2);
        Path file = CgroupOomKills.eventsFile(cgroup.procCgroup(), cgroup.cgroupRoot()).orElseThrow();
        assertThat(file).isEqualTo(cgroup.memoryEvents());
        assertThat(CgroupOomKills.count(file)).hasValue(2);
        cgroup.oomKills(3);
        assertThat(CgroupOomKills.count(file)).hasValue(3);
    }

    /** Systemd's hybrid layout: v2 mounted at {@code unified} without the memory controller, which v1 has. */
    @Test
    void onAHybridHostFixtureTheV1MemoryControllersCountIsRead() throws Exception {
        Path procCgroup = Files.writeString(dir.resolve("proc-pid-cgroup"),
                "4:memory:/user.slice/app.scope\n1:name=systemd:/user.slice/app.scope\n0::/user.slice/app.scope\n");
        Path root = dir.resolve("sys-fs-cgroup");
        Files.createDirectories(root.resolve("unified/user.slice/app.scope"));
        Path oomControl = Files.createDirectories(root.resolve("memory/user.slice/app.scope")).resolve("memory.oom_control");
        Files.writeString(oomControl, "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");

        Path file = CgroupOomKills.eventsFile(procCgroup, root).orElseThrow();
        assertThat(file).isEqualTo(oomControl);
        assertThat(CgroupOomKills.count(file)).hasValue(1);
    }
}

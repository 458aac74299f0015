package dev.supervision.process.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A FIXTURE, not a live cgroup: files laid out as a cgroup v2 host shows them, for the reader of the OOM-kill
 * counter where the machine running the tests has another layout (this project's build machine has the v1
 * memory controller). The process is in the cgroup {@code /user.slice/app.scope}.
 *
 * @param procCgroup   stands for {@code /proc/<pid>/cgroup}: the single v2 line {@code 0::/user.slice/app.scope}
 * @param cgroupRoot   stands for the v2 mount {@code /sys/fs/cgroup}
 * @param memoryEvents the cgroup's {@code memory.events}, in the kernel's format
 */
public record CgroupV2Fixture(Path procCgroup, Path cgroupRoot, Path memoryEvents) {
    /** Lays the fixture out in {@code dir}, the cgroup having counted {@code oomKills} OOM kills. */
    public static CgroupV2Fixture create(Path dir, long oomKills) throws IOException {
        Path procCgroup = Files.writeString(dir.resolve("proc-pid-cgroup"), "0::/user.slice/app.scope\n");
        Path root = dir.resolve("sys-fs-cgroup");
        Path events = Files.createDirectories(root.resolve("user.slice/app.scope")).resolve("memory.events");
        CgroupV2Fixture fixture = new CgroupV2Fixture(procCgroup, root, events);
        fixture.oomKills(oomKills);
        return fixture;
    }

    /** Rewrites {@code memory.events} as the kernel shows it after {@code n} OOM kills in the cgroup. */
    public void oomKills(long n) throws IOException {
        Files.writeString(memoryEvents, "low 0\nhigh 0\nmax 12\noom " + (n + 1) + "\noom_kill " + n + "\noom_group_kill 0\n");
    }
}

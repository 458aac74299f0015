package dev.supervision.process.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostMemoryTest {
    @Test
    void readsAvailableMemoryBelowTotalOnLinux() {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "no /proc/meminfo: reading the real host memory was not tested");
        HostMemory.Snapshot s = HostMemory.read().orElseThrow();
        assertThat(s.availableBytes()).isPositive().isLessThanOrEqualTo(s.totalBytes());
    }

    @Test
    void parsesMemAvailableAndMemTotalFromMeminfo() {
        String meminfo = """
                MemTotal:       32768000 kB
                MemFree:          512000 kB
                MemAvailable:    2048000 kB
                Buffers:          100000 kB
                """;
        assertThat(HostMemory.parseMeminfo(meminfo))
                .contains(new HostMemory.Snapshot(2048000L * 1024, 32768000L * 1024));
    }

    @Test
    void aMeminfoWithoutMemAvailableIsUnsupported() {
        assertThat(HostMemory.parseMeminfo("MemTotal: 1000 kB\nMemFree: 10 kB\n")).isEmpty();
    }

    @Test
    void approximatesAvailableMemoryOnMacosFromVmStat() {
        String vmStat = """
                Mach Virtual Memory Statistics: (page size of 16384 bytes)
                Pages free:                               10000.
                Pages active:                            500000.
                Pages inactive:                           20000.
                Pages speculative:                         3000.
                Pages throttled:                              0.
                Pages wired down:                        100000.
                """;
        assertThat(HostMemory.parseVmStat(vmStat, 34359738368L))
                .contains(new HostMemory.Snapshot(33000L * 16384, 34359738368L));
        assertThat(HostMemory.parseVmStat("garbage", 1)).isEmpty();
    }
}

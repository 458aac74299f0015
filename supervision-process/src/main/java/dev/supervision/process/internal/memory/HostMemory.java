package dev.supervision.process.internal.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The host's available and total memory. Stateless, thread-safe, never throws: empty means
 * "cannot tell here" (the floor guard then reports unsupported).
 *
 * <p>Linux: {@code MemAvailable} and {@code MemTotal} from {@code /proc/meminfo} (the kernel's own
 * estimate of what can be allocated without swapping, page cache included; {@code MemFree} would brake far
 * too early). Inside a container with a cgroup memory limit this is still the host's view.
 *
 * <p>macOS: total from {@code sysctl -n hw.memsize}; available approximated as (free + inactive +
 * speculative) pages of {@code vm_stat} times its page size, which is close to what Activity Monitor
 * shows as not under pressure; each read runs both commands (about 10 ms), bounded by a 5 s timeout.
 * Elsewhere: empty.
 */
public final class HostMemory {
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private HostMemory() {}

    /**
     * One reading.
     *
     * @param availableBytes memory available for new allocations
     * @param totalBytes     total physical memory
     */
    public record Snapshot(long availableBytes, long totalBytes) {}

    /** The current reading, or empty where this platform cannot tell. */
    public static Optional<Snapshot> read() {
        if (Files.isReadable(MEMINFO)) {
            try {
                return parseMeminfo(Files.readString(MEMINFO, StandardCharsets.US_ASCII));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        if (System.getProperty("os.name", "").startsWith("Mac")) {
            Optional<String> total = run("sysctl", "-n", "hw.memsize");
            Optional<String> vm = run("vm_stat");
            if (total.isPresent() && vm.isPresent()) {
                try {
                    return parseVmStat(vm.get(), Long.parseLong(total.get().trim()));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static Optional<Snapshot> parseMeminfo(String text) {
        long available = -1;
        long total = -1;
        for (String line : text.split("\n")) {
            if (line.startsWith("MemAvailable:")) {
                available = kib(line);
            } else if (line.startsWith("MemTotal:")) {
                total = kib(line);
            }
        }
        return available >= 0 && total > 0 ? Optional.of(new Snapshot(available, total)) : Optional.empty();
    }

    /** {@code vm_stat} output: "Mach Virtual Memory Statistics: (page size of 16384 bytes)", then "Pages free: 123.". */
    static Optional<Snapshot> parseVmStat(String text, long totalBytes) {
        long pageSize = -1;
        long pages = 0;
        int found = 0;
        for (String line : text.split("\n")) {
            int at = line.indexOf("page size of ");
            if (at >= 0) {
                pageSize = Long.parseLong(line.substring(at + 13).replaceAll("[^0-9].*$", ""));
            } else if (line.startsWith("Pages free:") || line.startsWith("Pages inactive:")
                    || line.startsWith("Pages speculative:")) {
                pages += Long.parseLong(line.substring(line.indexOf(':') + 1).replaceAll("[^0-9]", ""));
                found++;
            }
        }
        return pageSize > 0 && found == 3 ? Optional.of(new Snapshot(pages * pageSize, totalBytes)) : Optional.empty();
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }

    private static Optional<String> run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // Both commands print well under a pipe's capacity, so waiting before reading cannot block.
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0
                    ? Optional.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}

package dev.supervision.process.internal.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OOM-kill counter of a process's cgroup: the {@code oom_kill} line of the cgroup named in
 * {@code /proc/<pid>/cgroup}. Read at launch and again at a SIGKILL death: a rise
 * confirms that the kernel's OOM killer acted in that cgroup meanwhile. Absent (not Linux, cgroup v1,
 * no memory controller, unreadable) means "cannot confirm", never an error. Stateless; thread-safe.
 */
public final class CgroupOomKills {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final Pattern V1_MEMORY = Pattern.compile("\\d+:([^:]*,)?memory(,[^:]*)?:.*");
    /** Resolved files by cgroup (children mostly share a few); emptied when it reaches {@value #CACHE_LIMIT}. */
    private static final Map<String, Optional<Path>> RESOLVED = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 256;

    private CgroupOomKills() {}

    /**
     * The file holding {@code pid}'s cgroup OOM-kill count, if there is one: cgroup v2's
     * {@code memory.events}, else v1's {@code memory.oom_control} (both have an {@code oom_kill} line).
     * Inside a container, {@code /proc/<pid>/cgroup} names the host's path while the container sees its
     * own cgroup as the mount's root, so the path is tried whole, then without its leading components.
     * What a cgroup resolves to is remembered (a launch and a start both ask, and most children share one).
     */
    public static Optional<Path> eventsFile(long pid) {
        return eventsFile(Path.of("/proc", Long.toString(pid), "cgroup"), CGROUP_ROOT);
    }

    /**
     * As {@link #eventsFile(long)}, reading the process's cgroups from {@code procCgroup} (a file laid out as
     * {@code /proc/<pid>/cgroup}) and looking for the files under {@code cgroupRoot} (as {@code /sys/fs/cgroup}).
     */
    static Optional<Path> eventsFile(Path procCgroup, Path cgroupRoot) {
        try {
            String v2 = null;
            String v1 = null;
            for (String line : Files.readAllLines(procCgroup)) {
                if (line.startsWith("0::")) v2 = line.substring(3);
                else if (V1_MEMORY.matcher(line).matches()) v1 = line.substring(line.indexOf(':', line.indexOf(':') + 1) + 1);
            }
            String key = cgroupRoot + "\n" + v2 + "\n" + v1;
            Optional<Path> known = RESOLVED.get(key);
            if (known != null) return known;
            Optional<Path> found = Optional.empty();
            if (v2 != null) found = find(v2, "memory.events", cgroupRoot, cgroupRoot.resolve("unified"));
            if (found.isEmpty() && v1 != null) found = find(v1, "memory.oom_control", cgroupRoot.resolve("memory"));
            if (RESOLVED.size() >= CACHE_LIMIT) RESOLVED.clear();
            RESOLVED.put(key, found);
            return found;
        } catch (IOException | RuntimeException e) {
            return Optional.empty();           // not Linux, or the process is already gone
        }
    }

    private static Optional<Path> find(String cgroup, String name, Path... mounts) {
        String[] parts = cgroup.replaceFirst("^/", "").split("/");
        for (int skip = 0; skip <= parts.length; skip++) {
            String rel = String.join("/", java.util.Arrays.copyOfRange(parts, skip, parts.length));
            for (Path mount : mounts) {
                Path file = (rel.isEmpty() ? mount : mount.resolve(rel)).resolve(name);
                if (Files.isReadable(file) && count(file).isPresent()) return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    /** The {@code oom_kill} count in {@code file}, if readable. */
    public static OptionalLong count(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) return OptionalLong.of(Long.parseLong(line.substring(9).trim()));
            }
        } catch (IOException | NumberFormatException e) {
            // unreadable: cannot confirm
        }
        return OptionalLong.empty();
    }
}

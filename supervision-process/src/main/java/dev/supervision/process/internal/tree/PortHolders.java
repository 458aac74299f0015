package dev.supervision.process.internal.tree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the processes listening on a TCP port, on Linux: the socket inodes of {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} in state LISTEN, then the processes with one of them among their
 * {@code /proc/<pid>/fd} links ({@code socket:[inode]}). Sees only what this user may read and this
 * network namespace; empty elsewhere (macOS). Stateless and thread-safe; blocks for the {@code /proc} scan.
 */
public final class PortHolders {
    private static final String LISTEN = "0A";
    private static final Logger LOG = LoggerFactory.getLogger(PortHolders.class);

    private PortHolders() {}

    /**
     * A process holding a listening socket.
     *
     * @param process the process (pid and start time, read before and checked again after the tag)
     * @param tag its {@link ProcessTag}, empty when untagged or unreadable
     * @param command its command line, when readable
     */
    public record Holder(ProcessRef process, Optional<ProcessTag> tag, Optional<String> command) {}

    /** The processes listening on the port, by ascending pid; empty when none can be seen. */
    public static List<Holder> listening(int port) {
        List<Holder> out = new ArrayList<>();
        for (long pid : listeningPids(port)) {
            OptionalLong before = ProcessScan.startTime(pid);
            if (before.isEmpty()) {
                continue;                                                       // gone meanwhile
            }
            Optional<ProcessTag> tag = ProcessTag.read(pid);
            Optional<String> command = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine());
            // The same start time after the reads: the pid was not reused in between.
            if (ProcessScan.startTime(pid).equals(before)) {
                out.add(new Holder(new ProcessRef(pid, before.getAsLong()), tag, command));
            }
        }
        return out;
    }

    /**
     * Stops a tagged holder's tree, blocking until it is gone or the SIGKILL rounds are spent: the holder,
     * its descendants, and every process carrying exactly its tag; SIGTERM, then SIGKILL after
     * {@code stopTimeout}. Logs what it did at WARN (at ERROR if something survived).
     *
     * @throws IllegalArgumentException if the holder carries no tag
     */
    public static StopResult stopOrphan(Holder holder, Duration stopTimeout) {
        ProcessTag tag = holder.tag().orElseThrow(() -> new IllegalArgumentException("holder " + holder + " carries no tag"));
        StopResult stop = TreeStopper.SHARED.stop(List.of(holder.process()), tag::equals, Signal.TERM, stopTimeout).join();
        if (stop.clean()) {
            LOG.warn("Stopped an orphan of a dead run of tree '{}' holding a port: {} [{}] child '{}' incarnation {} run {}: {}",
                    tag.tree(), holder.process(), holder.command().orElse("?"), tag.child(), tag.incarnation(), tag.run(), stop);
        } else {
            LOG.error("Could not stop an orphan of a dead run of tree '{}' holding a port: {} [{}]: {}",
                    tag.tree(), holder.process(), holder.command().orElse("?"), stop);
        }
        return stop;
    }

    /** The pids of the processes listening on the port, ascending; empty when none can be seen. */
    static List<Long> listeningPids(int port) {
        Set<String> sockets = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals(LISTEN)) {
                    continue;
                }
                int colon = f[1].lastIndexOf(':');
                if (colon > 0 && Integer.parseInt(f[1].substring(colon + 1), 16) == port && !f[9].equals("0")) {
                    sockets.add("socket:[" + f[9] + "]");
                }
            }
        }
        List<Long> pids = new ArrayList<>();
        if (sockets.isEmpty()) {
            return pids;
        }
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                if (holdsAny(proc.resolve("fd"), sockets)) {
                    pids.add(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            return pids;
        }
        pids.sort(null);
        return pids;
    }

    private static boolean holdsAny(Path fds, Set<String> sockets) {
        try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
            for (Path link : links) {
                try {
                    if (sockets.contains(Files.readSymbolicLink(link).toString())) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | SecurityException e) {
            return false;                                                       // gone, or not ours to read
        }
        return false;
    }
}

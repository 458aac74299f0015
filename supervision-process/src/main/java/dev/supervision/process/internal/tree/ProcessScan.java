package dev.supervision.process.internal.tree;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds processes: one process's liveness and start time, a process tree (the process and its
 * descendants), and every process carrying a {@link ProcessTag}. All methods are stateless snapshots,
 * thread-safe, and never throw for a process that vanished or is unreadable: such a process is
 * skipped.
 *
 * <p>On Linux this reads {@code /proc}; a zombie (state {@code Z}) or dead ({@code X}) process counts as
 * gone, since it can neither run nor be signalled further. Without {@code /proc} (macOS), start times
 * come from {@link ProcessHandle.Info#startInstant()} and {@link #scan(Predicate)} finds nothing, so a
 * tree is found through its descendants only.
 */
public final class ProcessScan {
    private static final Path PROC = Path.of("/proc");
    private static final boolean PROC_FS = Files.isReadable(PROC.resolve("self/stat"));

    private ProcessScan() {}

    /** Whether this host has a readable {@code /proc} (Linux). */
    public static boolean procAvailable() {
        return PROC_FS;
    }

    /**
     * A process found by the tag scan.
     *
     * @param process the process
     * @param tag the tag in its environment
     */
    public record TaggedProcess(ProcessRef process, ProcessTag tag) {}

    /** What {@code /proc/<pid>/stat} says about a process (its thread count and resident pages too). */
    public record Stat(char state, long ppid, long flags, long startTime, long threads, long rssPages) {
        private static final long PF_KTHREAD = 0x00200000;

        /** A kernel thread: no environment, never ours. */
        boolean kernelThread() {
            return (flags & PF_KTHREAD) != 0;
        }
    }

    /** At most this many pids handed out since a sweep's floor are read one by one rather than listing {@code /proc}. */
    static final int PROBE_LIMIT = 256;

    public static Optional<Stat> stat(long pid) {
        byte[] b = new byte[1024];
        int n = readProc("/proc/" + pid + "/stat", b);
        if (n < 0) {
            return Optional.empty();
        }
        // The command (field 2) is in parentheses and may itself contain spaces and parentheses.
        int close = n - 1;
        while (close >= 0 && b[close] != ')') {
            close--;
        }
        if (close < 0 || close + 3 >= n) {
            return Optional.empty();
        }
        char state = (char) b[close + 2];
        long ppid = -1;
        long flags = -1;
        long start = -1;
        long threads = -1;
        long rss = -1;
        // Counted from the state: 0 the state, 1 the ppid, 6 the flags, 17 the threads, 19 the start time, 21 the RSS in pages.
        int field = 0;
        for (int i = close + 3; i < n && field < 21; i++) {
            if (b[i] == ' ') {
                field++;
                if (field == 1 || field == 6 || field == 17 || field == 19 || field == 21) {
                    long v = 0;
                    int j = i + 1;
                    for (; j < n && b[j] >= '0' && b[j] <= '9'; j++) {
                        v = v * 10 + (b[j] - '0');
                    }
                    if (j == i + 1) {
                        return Optional.empty();
                    }
                    switch (field) {
                        case 1 -> ppid = v;
                        case 6 -> flags = v;
                        case 17 -> threads = v;
                        case 19 -> start = v;
                        default -> rss = v;
                    }
                }
            }
        }
        return start < 0 ? Optional.empty() : Optional.of(new Stat(state, ppid, flags, start, threads, rss));
    }

    /**
     * Reads a small {@code /proc} file into {@code buf} with one open, read and close (no size query, no
     * copy); returns the bytes read, or -1 if it cannot be read. A file longer than {@code buf} is cut.
     */
    public static int readProc(String path, byte[] buf) {
        try (FileInputStream in = new FileInputStream(path)) {
            int n = 0;
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
            return n;
        } catch (IOException | SecurityException e) {
            return -1;
        }
    }

    /** The start time of a live process (see {@link ProcessRef}); empty when it is gone or a zombie. */
    public static OptionalLong startTime(long pid) {
        if (PROC_FS) {
            Optional<Stat> st = stat(pid);
            return st.isPresent() && running(st.get())
                    ? OptionalLong.of(st.get().startTime())
                    : OptionalLong.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(h -> h.info().startInstant())
                .map(i -> OptionalLong.of(i.toEpochMilli()))
                .orElse(OptionalLong.empty());
    }

    /** The live process with this pid, identified by its current start time. */
    public static Optional<ProcessRef> ref(long pid) {
        OptionalLong start = startTime(pid);
        return start.isPresent() ? Optional.of(new ProcessRef(pid, start.getAsLong())) : Optional.empty();
    }

    /** Whether this very process (same pid and start time) is still alive. */
    public static boolean isAlive(ProcessRef process) {
        OptionalLong start = startTime(process.pid());
        return start.isPresent() && start.getAsLong() == process.startTime();
    }

    /**
     * The process, if it is still alive, followed by a snapshot of its live descendants
     * ({@link ProcessHandle#descendants()}, which drops children younger than a reused parent pid).
     */
    public static List<ProcessRef> tree(ProcessRef root) {
        List<ProcessRef> out = new ArrayList<>();
        if (!isAlive(root)) {
            return out;
        }
        out.add(root);
        ProcessHandle.of(root.pid()).ifPresent(h -> h.descendants().forEach(d -> ref(d.pid()).ifPresent(out::add)));
        return out;
    }

    /**
     * Every live process whose {@link ProcessTag} matches, except this JVM and its ancestors (a JVM that is
     * itself a supervised child carries a tag too). Empty without {@code /proc}.
     *
     * @throws UncheckedIOException if {@code /proc} exists but cannot be listed
     */
    public static List<TaggedProcess> scan(Predicate<ProcessTag> filter) {
        List<TaggedProcess> out = new ArrayList<>();
        if (!PROC_FS) {
            return out;
        }
        Set<Long> self = selfAndAncestors();
        for (long pid : pids()) {
            if (self.contains(pid)) {
                continue;
            }
            OptionalLong before = startTime(pid);
            if (before.isEmpty() || stat(pid).filter(Stat::kernelThread).isPresent()) {
                continue;
            }
            Optional<ProcessTag> tag = ProcessTag.read(pid).filter(filter);
            // The same start time after reading the environment: the pid was not reused in between.
            if (tag.isPresent() && startTime(pid).equals(before)) {
                out.add(new TaggedProcess(new ProcessRef(pid, before.getAsLong()), tag.get()));
            }
        }
        return out;
    }

    /**
     * Everything alive in the trees of {@code roots} plus everything the tag scan finds, with the
     * descendants of what it finds; roots first, without duplicates. On Linux this is one pass over
     * {@code /proc} (a parent-to-children map built from each process's stat, in which a child older than
     * its parent is ignored as a reused pid); elsewhere the roots' {@link #tree(ProcessRef)}s. This JVM and
     * its ancestors are never included.
     *
     * @throws UncheckedIOException if {@code /proc} exists but cannot be listed
     */
    public static Set<ProcessRef> sweep(Iterable<ProcessRef> roots, Predicate<ProcessTag> tagged) {
        return sweep(roots, tagged, 0);
    }

    /**
     * As {@link #sweep(Iterable, Predicate)}, reading only processes whose pid is at least {@code minPid}
     * (lowered to the smallest root's): for when everything sought is younger than a known process whose
     * pid the counter has not wrapped past (see {@code PidWrap}). When few pids were handed out since
     * {@code minPid} (at most {@value #PROBE_LIMIT}, the usual case right after an exit), those pids are read
     * one by one instead of listing {@code /proc}; a pid that turns out to be a thread is skipped.
     */
    static Set<ProcessRef> sweep(Iterable<ProcessRef> roots, Predicate<ProcessTag> tagged, long minPid) {
        Set<ProcessRef> out = new LinkedHashSet<>();
        if (!PROC_FS) {
            roots.forEach(r -> out.addAll(tree(r)));
            return out;
        }
        Set<Long> self = selfAndAncestors();
        Map<Long, Stat> stats = new HashMap<>();
        Map<Long, List<Long>> children = new HashMap<>();
        List<ProcessRef> start = new ArrayList<>();
        roots.forEach(start::add);
        long from = minPid;
        for (ProcessRef r : start) from = Math.min(from, r.pid());
        long last = probeUpTo(from);
        boolean probe = last >= 0;
        for (long pid : probe ? range(from, last) : pids()) {
            if (pid < from) continue;
            Optional<Stat> st = stat(pid).filter(ProcessScan::running);
            if (st.isEmpty() || self.contains(pid) || probe && !isProcess(pid)) {
                continue;
            }
            stats.put(pid, st.get());
            children.computeIfAbsent(st.get().ppid(), k -> new ArrayList<>()).add(pid);
            if (st.get().kernelThread()) {
                continue;
            }
            // A pid reused between the stat and the environ read gets the wrong start time here, so it is
            // never signalled: every signal re-checks the start time first.
            if (ProcessTag.read(pid).filter(tagged).isPresent()) {
                start.add(new ProcessRef(pid, st.get().startTime()));
            }
        }
        Deque<ProcessRef> queue = new ArrayDeque<>();
        for (ProcessRef r : start) {
            Stat st = stats.get(r.pid());
            if (st != null && st.startTime() == r.startTime() && out.add(r)) {
                queue.add(r);
            }
        }
        while (!queue.isEmpty()) {
            ProcessRef parent = queue.poll();
            for (long pid : children.getOrDefault(parent.pid(), List.of())) {
                Stat st = stats.get(pid);
                ProcessRef child = new ProcessRef(pid, st.startTime());
                if (st.startTime() >= parent.startTime() && out.add(child)) {
                    queue.add(child);
                }
            }
        }
        return out;
    }

    /**
     * Whether the process still runs: not dead, and not a zombie — except a thread-group leader that exited
     * (with {@code pthread_exit}) while other threads of the process run on, which {@code /proc} shows as a
     * zombie with more than one thread: that process lives, and a signal still reaches all of it.
     */
    public static boolean running(Stat st) {
        return st.state() != 'X' && (st.state() != 'Z' || st.threads() > 1);
    }

    /** Whether a sweep from {@code minPid} reads pids one by one (few handed out since) rather than listing {@code /proc}. */
    static boolean probes(long minPid) {
        return probeUpTo(minPid) >= 0;
    }

    /** The last pid handed out, when at most {@value #PROBE_LIMIT} pids from {@code minPid} on were (none: {@code minPid - 1}; read them one by one), else -1. */
    private static long probeUpTo(long minPid) {
        if (!PROC_FS || minPid <= 0) return -1;
        long last = PidWrap.lastPid();
        return last >= minPid - 1 && last - minPid < PROBE_LIMIT ? last : -1;     // minPid - 1: none since
    }

    /** The pids {@code from..to}, probed one by one by {@link #sweep(Iterable, Predicate, long)}. */
    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>((int) (to - from + 1));
        for (long pid = from; pid <= to; pid++) out.add(pid);
        return out;
    }

    /**
     * Whether {@code pid} is a process rather than a thread of one: {@code /proc/<tid>} can be opened for
     * any thread (it is only left out of the listing), and its {@code Tgid} is the process's pid.
     */
    private static boolean isProcess(long pid) {
        byte[] b = new byte[512];
        int n = readProc("/proc/" + pid + "/status", b);
        String text = new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
        int at = text.indexOf("\nTgid:");
        if (at < 0) return false;
        int i = at + 6;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) i++;
        long tgid = 0;
        for (; i < text.length() && Character.isDigit(text.charAt(i)); i++) tgid = tgid * 10 + (text.charAt(i) - '0');
        return tgid == pid;
    }

    private static List<Long> pids() {
        String[] names = PROC.toFile().list();
        if (names == null) {
            throw new UncheckedIOException("cannot list /proc", new IOException("/proc cannot be listed"));
        }
        List<Long> out = new ArrayList<>(names.length);
        for (String name : names) {
            long pid = pidOf(name);
            if (pid > 0) {
                out.add(pid);
            }
        }
        return out;
    }

    /**
     * This JVM and its ancestors, never signalled. Found once, when the class loads: walking the parents
     * costs about 0.1 ms, and a sweep runs after every exit. The chain changes only when an ancestor dies;
     * a sweep would then skip a tagged process that reused one of the old chain's pids, a case this rare
     * is accepted.
     */
    private static Set<Long> selfAndAncestors() {
        return SELF_AND_ANCESTORS;
    }

    private static final Set<Long> SELF_AND_ANCESTORS = findSelfAndAncestors();

    private static Set<Long> findSelfAndAncestors() {
        Set<Long> out = new HashSet<>();
        Optional<ProcessHandle> h = Optional.of(ProcessHandle.current());
        while (h.isPresent() && out.add(h.get().pid())) {
            h = h.get().parent();
        }
        return Set.copyOf(out);
    }

    private static long pidOf(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return -1;
            }
        }
        return name.isEmpty() || name.length() > 18 ? -1 : Long.parseLong(name);
    }
}

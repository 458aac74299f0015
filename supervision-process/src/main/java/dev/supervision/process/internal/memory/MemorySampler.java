package dev.supervision.process.internal.memory;

import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory (RSS) of a process tree: the root and all its descendants, summed. Stateless,
 * thread-safe; a process that vanishes during a sample counts 0 and never makes it throw.
 *
 * <p>On Linux, cheap by construction (the benchmark {@code GuardCostBench} measures it): the root's
 * start time is checked against {@code /proc/<pid>/stat} (a reused pid is never sampled), which also gives
 * each process's RSS (in pages, times the page size read once from {@code /proc/self/auxv}) and thread
 * count; children come from {@code /proc/<pid>/task/<tid>/children} (no scan of the whole of
 * {@code /proc}, so the cost grows with the supervised processes, not with the host; a single-threaded
 * process's one task file is read without listing its tasks). A process without children costs two small
 * reads. The environment is never read. A kernel without the {@code children} files falls back to
 * {@link ProcessHandle#descendants()} and {@code /proc/<pid>/statm}.
 *
 * <p>Without {@code /proc} (macOS): the tree comes from {@link ProcessHandle#descendants()} and the RSS
 * from one {@code ps -o rss= -p pid,…} per sample (kilobytes), bounded by a 5 s timeout; if {@code ps}
 * fails the tree counts 0 bytes, so an RSS limit cannot trip on a failed measurement.
 */
public final class MemorySampler {
    private static final Path PROC = Path.of("/proc");
    private static final boolean CHILDREN_FILES = ProcessScan.procAvailable()
            && Files.isReadable(PROC.resolve("thread-self/children"));
    /** The page size in bytes (AT_PAGESZ from the auxiliary vector; 4096 if it cannot be read). */
    static final long PAGE_SIZE = pageSize();

    private MemorySampler() {}

    /**
     * One sample of a tree.
     *
     * @param root     the root process
     * @param rssBytes the RSS summed over the tree, in bytes
     * @param members  the tree's processes with their start times, root first
     */
    public record TreeMemory(ProcessRef root, long rssBytes, List<ProcessRef> members) {
        public TreeMemory {
            members = List.copyOf(members);
        }

        /** The tree's pids, root first. */
        public List<Long> pids() {
            return members.stream().map(ProcessRef::pid).toList();
        }
    }

    /** The tree's RSS, or empty if the root is gone (or its pid now belongs to another process). */
    public static Optional<TreeMemory> sample(ProcessRef root) {
        if (!ProcessScan.procAvailable() || !CHILDREN_FILES) {
            if (!ProcessScan.isAlive(root)) {
                return Optional.empty();
            }
            List<Long> pids = treePids(root.pid());
            long sum = 0;
            if (!ProcessScan.procAvailable()) {
                sum = rssViaPs(pids);
            } else {
                for (long pid : pids) {
                    sum += rss(pid);
                }
            }
            List<ProcessRef> members = new ArrayList<>();
            members.add(root);
            for (long pid : pids.subList(1, pids.size())) ProcessScan.ref(pid).ifPresent(members::add);
            return Optional.of(new TreeMemory(root, sum, members));
        }
        // One stat read per process gives its identity, RSS and thread count; a single-threaded process's
        // children are then one more read (no listing of its tasks).
        Optional<ProcessScan.Stat> st = ProcessScan.stat(root.pid());
        if (st.isEmpty() || !ProcessScan.running(st.get()) || st.get().startTime() != root.startTime()) {
            return Optional.empty();
        }
        List<Long> pids = new ArrayList<>();
        List<ProcessRef> members = new ArrayList<>();
        pids.add(root.pid());
        members.add(root);
        long sum = Math.max(0, st.get().rssPages()) * PAGE_SIZE;
        byte[] buf = new byte[4096];
        List<Long> kids = children(root.pid(), st.get().threads(), buf);
        for (int next = 0; next < kids.size(); next++) {
            long pid = kids.get(next);
            if (pids.contains(pid)) {
                continue;                       // a race with reparenting
            }
            Optional<ProcessScan.Stat> s = ProcessScan.stat(pid);
            if (s.isEmpty() || !ProcessScan.running(s.get())) {
                continue;
            }
            pids.add(pid);
            members.add(new ProcessRef(pid, s.get().startTime()));
            sum += Math.max(0, s.get().rssPages()) * PAGE_SIZE;
            kids.addAll(children(pid, s.get().threads(), buf));
        }
        return Optional.of(new TreeMemory(root, sum, members));
    }

    /** The children of {@code pid}: from its only task's file when it has one thread, else from every task's. */
    private static List<Long> children(long pid, long threads, byte[] buf) {
        if (threads != 1) {
            return children(pid, buf);
        }
        List<Long> out = new ArrayList<>();
        parseChildren(buf, ProcessScan.readProc("/proc/" + pid + "/task/" + pid + "/children", buf), out);
        return out;
    }

    /** One process's RSS in bytes from {@code /proc/<pid>/statm}; 0 if gone or unreadable. */
    static long rss(long pid) {
        byte[] b = new byte[128];
        int n = ProcessScan.readProc("/proc/" + pid + "/statm", b);
        // "size resident shared text lib data dt": the second number, parsed without allocating strings.
        int i = 0;
        while (i < n && b[i] != ' ') {
            i++;
        }
        long pages = 0;
        for (i++; i < n && b[i] >= '0' && b[i] <= '9'; i++) {
            pages = pages * 10 + (b[i] - '0');
        }
        return pages * PAGE_SIZE;
    }

    static List<Long> treePids(long root) {
        List<Long> out = new ArrayList<>();
        out.add(root);
        if (!CHILDREN_FILES) {
            ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
            return out;
        }
        // Breadth-first; the list itself is the queue. A pid seen twice (a race with reparenting) is skipped.
        byte[] buf = new byte[4096];
        for (int next = 0; next < out.size(); next++) {
            for (long child : children(out.get(next), buf)) {
                if (!out.contains(child)) {
                    out.add(child);
                }
            }
        }
        return out;
    }

    /** The children of every thread of {@code pid} (a child belongs to the thread that forked it). */
    private static List<Long> children(long pid, byte[] buf) {
        List<Long> out = new ArrayList<>();
        String[] tasks = new File("/proc/" + pid + "/task").list();
        if (tasks == null) {
            return out;
        }
        for (String task : tasks) {
            parseChildren(buf, ProcessScan.readProc("/proc/" + pid + "/task/" + task + "/children", buf), out);
        }
        return out;
    }

    /** Adds the pids of a {@code children} file's first {@code len} bytes (space-separated) to {@code out}. */
    private static void parseChildren(byte[] buf, int len, List<Long> out) {
        long n = -1;
        for (int i = 0; i < len; i++) {
            byte c = buf[i];
            if (c >= '0' && c <= '9') {
                n = (n < 0 ? 0 : n * 10) + (c - '0');
            } else if (n >= 0) {
                out.add(n);
                n = -1;
            }
        }
        if (n >= 0) {
            out.add(n);
        }
    }

    /** The summed RSS of {@code pids} by {@code ps} (kilobytes, converted); 0 if {@code ps} fails. */
    static long rssViaPs(List<Long> pids) {
        StringBuilder list = new StringBuilder();
        for (long pid : pids) {
            list.append(list.isEmpty() ? "" : ",").append(pid);
        }
        try {
            Process ps = new ProcessBuilder("ps", "-o", "rss=", "-p", list.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // The output is one short line per pid: far below a pipe's capacity, so waiting first cannot block.
            if (!ps.waitFor(5, TimeUnit.SECONDS)) {
                ps.destroyForcibly();
                return 0;
            }
            long sum = 0;
            for (String line : new String(ps.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String t = line.trim();
                if (!t.isEmpty()) {
                    sum += Long.parseLong(t) * 1024;
                }
            }
            return sum;
        } catch (IOException | NumberFormatException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static long pageSize() {
        try {
            ByteBuffer auxv = ByteBuffer.wrap(Files.readAllBytes(PROC.resolve("self/auxv"))).order(ByteOrder.nativeOrder());
            while (auxv.remaining() >= 16) {
                long type = auxv.getLong();
                long value = auxv.getLong();
                if (type == 6) { // AT_PAGESZ
                    return value;
                }
                if (type == 0) { // AT_NULL
                    break;
                }
            }
        } catch (IOException | SecurityException e) {
            return 4096;
        }
        return 4096;
    }
}

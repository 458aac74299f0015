package dev.supervision.process.crash;

import dev.supervision.internal.Json;
import dev.supervision.process.internal.tree.Ledger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable crash history of one tree: every {@link CrashReport} as one JSON line in
 * {@code <stateDir>/<tree>/crashes.jsonl} (the tree name percent-encoded as for the orphan ledger), so
 * that it survives a restart of the supervising JVM and can be read with {@code jq}.
 *
 * <p>Durability: {@link #append} writes the line before it returns, so it survives this JVM's death at
 * once, and a background thread fsyncs the file 20 ms later (appends made meanwhile share one fsync), so it
 * survives a crash of the machine (a GPU fault can take the host down) within tens of milliseconds; {@link #sync}
 * waits for that. The fsync is kept off the caller's thread because a crash report is written on the
 * path from a crash to its restart. A JVM killed while writing
 * leaves at most a torn last line, which reading ignores and the next append closes off with a newline
 * (reading also ignores, with a warning, any line that is
 * not a valid report), so a file is always readable. Fields a reader does not know are skipped, so an
 * older version reads a newer file.
 *
 * <p>Rotation: when a line would take the file past {@code maxFileBytes} (default
 * {@value #DEFAULT_MAX_FILE_BYTES}), the file becomes {@code crashes.jsonl.1}, an older {@code .1} becomes
 * {@code .2}, and so on; {@code files} (default {@value #DEFAULT_FILES}) files are kept in all, the oldest
 * deleted. A single line longer than the limit is still written, alone in its file.
 *
 * <p>Threading: all methods are safe to call concurrently from one JVM (one {@link ReentrantLock}, so
 * virtual threads do not pin on Java 21) and run on the caller's thread: {@link #append} blocks for one
 * write (and, when the file rotates, the renames), queries read the files. One
 * JVM run per tree and state directory writes at a time; another process may read concurrently and sees
 * only complete lines.
 */
public final class CrashHistory {
    /** Rotation size when none is given: 1 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 1L << 20;
    /** How many files (current plus rotated) are kept when not given. */
    public static final int DEFAULT_FILES = 5;

    private static final Logger LOG = LoggerFactory.getLogger(CrashHistory.class);
    private static final String FILE = "crashes.jsonl";

    private final String tree;
    /**
     * Runs the background fsyncs, {@value #SYNC_DELAY_MILLIS} ms after the append that asked: one platform
     * daemon thread, made when needed and gone after 30 idle seconds. Delayed so that the fsync does not
     * overlap the restart being launched right after the report (on this project's build machine an
     * overlapping fsync added 0.3 ms to the launch); appends within the delay share it.
     */
    private static final ScheduledThreadPoolExecutor SYNCER = syncer();
    static final long SYNC_DELAY_MILLIS = 20;

    private static ScheduledThreadPoolExecutor syncer() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(null, r, "supervision-crash-history-sync", 256 * 1024, false);
            t.setDaemon(true);
            return t;
        });
        e.setKeepAliveTime(30, TimeUnit.SECONDS);
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** A background fsync is scheduled and has not started yet. */
    private final AtomicBoolean syncPending = new AtomicBoolean();
    private final Path file;
    private final long maxFileBytes;
    private final int files;
    private final ReentrantLock lock = new ReentrantLock();

    private CrashHistory(Path stateDir, String tree, long maxFileBytes, int files) {
        this.tree = tree;
        this.file = stateDir.resolve(Ledger.fileName(tree)).resolve(FILE);
        this.maxFileBytes = maxFileBytes;
        this.files = files;
    }

    /** Opens the history of a tree with the default rotation; see {@link #open(Path, String, long, int)}. */
    public static CrashHistory open(Path stateDir, String tree) {
        return open(stateDir, tree, DEFAULT_MAX_FILE_BYTES, DEFAULT_FILES);
    }

    /**
     * Opens the crash history of a tree. Nothing is read until queried, nothing is created until the first
     * report is appended (then the directories too).
     *
     * @param stateDir the state directory, the same as {@link ProcessSpec}'s
     * @param tree the tree name, not blank
     * @param maxFileBytes the size past which the file is rotated, 1 or more
     * @param files how many files to keep, current one included, 1 or more
     * @throws IllegalArgumentException naming the setting and the value if one is out of range
     */
    public static CrashHistory open(Path stateDir, String tree, long maxFileBytes, int files) {
        if (tree == null || tree.isBlank()) {
            throw new IllegalArgumentException("tree must not be blank, was " + (tree == null ? "null" : "'" + tree + "'"));
        }
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be 1 or more, was " + maxFileBytes);
        }
        if (files < 1) {
            throw new IllegalArgumentException("files must be 1 or more, was " + files);
        }
        return new CrashHistory(stateDir, tree, maxFileBytes, files);
    }

    /** The current file; rotated ones are beside it with suffixes {@code .1}, {@code .2}, .... */
    public Path file() {
        return file;
    }

    /**
     * Appends a report, rotating first if needed: written before returning, fsynced 20 ms later on a
     * background thread (see the class documentation; {@link #sync} waits for it).
     *
     * @throws IllegalArgumentException if the report is of another tree
     * @throws UncheckedIOException naming the file if it cannot be written
     */
    public void append(CrashReport report) {
        if (!report.tree().equals(tree)) {
            throw new IllegalArgumentException("report of tree '" + report.tree() + "' appended to the history of tree '" + tree + "'");
        }
        byte[] line = (Json.write(toJson(report)) + "\n").getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            FileChannel ch = openForAppend();
            try {
                long size = ch.size();
                if (size > 0 && size + line.length > maxFileBytes) {
                    ch.close();
                    rotate();
                    ch = openForAppend();
                    size = ch.size();
                }
                ByteBuffer buf = ByteBuffer.wrap(line);
                if (endsTorn(ch, size)) {
                    buf = ByteBuffer.allocate(line.length + 1).put((byte) '\n').put(line).flip();
                }
                for (long at = size; buf.hasRemaining(); ) {
                    at += ch.write(buf, at);
                }
            } finally {
                ch.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the crash history " + file, e);
        } finally {
            lock.unlock();
        }
        if (syncPending.compareAndSet(false, true)) SYNCER.schedule(this::syncNow, SYNC_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until every report appended so far is on disk (fsynced).
     *
     * @throws UncheckedIOException naming the file if it cannot be synced
     */
    public void sync() {
        lock.lock();
        try {
            if (Files.exists(file)) force();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync the crash history " + file, e);
        } finally {
            lock.unlock();
        }
    }

    /** The background fsync after appends; appends made before it starts share it. */
    private void syncNow() {
        syncPending.set(false);
        try {
            sync();
        } catch (UncheckedIOException e) {
            LOG.warn("Crash history {}: cannot fsync: {}", file, e.getCause().toString());
        }
    }

    private void force() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(false);
        }
    }

    private FileChannel openForAppend() throws IOException {
        Files.createDirectories(file.getParent());
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Whether the file ({@code size} bytes) ends without a newline: a torn line from a killed writer, to be closed off first. */
    private static boolean endsTorn(FileChannel ch, long size) throws IOException {
        if (size == 0) {
            return false;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        return last.get(0) != '\n';
    }

    /**
     * Every report still kept, oldest first.
     *
     * @throws UncheckedIOException naming the file if one cannot be read
     */
    public List<CrashReport> all() {
        lock.lock();
        try {
            List<CrashReport> reports = new ArrayList<>();
            for (int i = files - 1; i >= 0; i--) {
                read(i == 0 ? file : rotated(i), reports);
            }
            return reports;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The newest reports of a child, newest first.
     *
     * @param n how many at most, 0 or more
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws UncheckedIOException naming the file if one cannot be read
     */
    public List<CrashReport> recent(String child, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be 0 or more, was " + n);
        }
        List<CrashReport> mine = new ArrayList<>(all().stream().filter(r -> r.child().equals(child)).toList());
        Collections.reverse(mine);
        return List.copyOf(mine.subList(0, Math.min(n, mine.size())));
    }

    /**
     * How many kept reports there are of each kind, over all children; sorted by kind.
     *
     * @throws UncheckedIOException naming the file if one cannot be read
     */
    public Map<String, Long> countsByKind() {
        return counts(all());
    }

    /**
     * How many kept reports of a child there are of each kind; sorted by kind.
     *
     * @throws UncheckedIOException naming the file if one cannot be read
     */
    public Map<String, Long> countsByKind(String child) {
        return counts(all().stream().filter(r -> r.child().equals(child)).toList());
    }

    private static Map<String, Long> counts(List<CrashReport> reports) {
        Map<String, Long> counts = new TreeMap<>();
        reports.forEach(r -> counts.merge(r.kind(), 1L, Long::sum));
        return Collections.unmodifiableMap(counts);
    }

    private Path rotated(int i) {
        return file.resolveSibling(FILE + "." + i);
    }

    private void rotate() throws IOException {
        force();                                     // what leaves for .1 is on disk before it moves
        Files.deleteIfExists(files == 1 ? file : rotated(files - 1));
        for (int i = files - 2; i >= 0; i--) {
            Path from = i == 0 ? file : rotated(i);
            if (Files.exists(from)) {
                Files.move(from, rotated(i + 1), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.debug("Crash history {}: cannot fsync the directory after rotating: {}", file, e.toString());
        }
    }

    private void read(Path path, List<CrashReport> into) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the crash history " + path, e);
        }
        int bad = 0;
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
            String line = text.substring(start, nl);
            if (line.isBlank()) {
                continue;
            }
            try {
                into.add(fromJson(Json.parse(line)));
            } catch (RuntimeException e) {
                LOG.debug("Crash history {}: bad line: {}", path, e.toString());
                bad++;
            }
        }
        if (start < text.length()) {
            LOG.info("Crash history {}: ignoring a torn last line (the JVM died while writing it)", path);
        }
        if (bad > 0) {
            LOG.warn("Crash history {}: ignored {} line(s) that are not crash reports", path, bad);
        }
    }

    private static Map<String, Object> toJson(CrashReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tree", r.tree());
        m.put("child", r.child());
        m.put("incarnation", r.incarnation());
        m.put("time", r.time().toString());
        m.put("kind", r.kind());
        m.put("basis", r.basis().name());
        m.put("evidence", r.evidence());
        m.put("matchedLine", r.matchedLine().orElse(null));
        m.put("exitValue", r.exit().map(e -> (long) e.exitValue()).orElse(null));
        m.put("lastLines", r.lastLines());
        m.put("uptime", r.uptime().toString());
        m.put("rssBytes", r.rssBytes().isPresent() ? r.rssBytes().getAsLong() : null);
        m.put("gpuBytes", r.gpuBytes().isPresent() ? r.gpuBytes().getAsLong() : null);
        m.put("advice", r.advice().orElse(null));
        m.put("inFlightRequests", r.inFlightRequests());
        return m;
    }

    private static CrashReport fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String kind = str(m, "kind");
        Optional<String> matched = Optional.ofNullable((String) m.get("matchedLine"));
        Optional<ExitStatus> exit = Optional.ofNullable((Long) m.get("exitValue")).map(v -> new ExitStatus(Math.toIntExact(v)));
        CrashBasis basis;
        String evidence;
        if (m.get("basis") instanceof String b) {
            basis = CrashBasis.valueOf(b);
            evidence = str(m, "evidence");
        } else {
            // A line of a version before the basis was recorded: its matchedLine held any evidence.
            Legacy old = Legacy.read(kind, matched, exit);
            kind = old.kind();
            basis = old.basis();
            evidence = old.evidence();
            matched = basis == CrashBasis.OUTPUT_LINE ? matched : Optional.empty();
        }
        return new CrashReport(str(m, "tree"), str(m, "child"), num(m, "incarnation"), Instant.parse(str(m, "time")),
                kind, basis, evidence, matched, exit,
                strings(m, "lastLines"), Duration.parse(str(m, "uptime")), optNum(m, "rssBytes"), optNum(m, "gpuBytes"),
                Optional.ofNullable((String) m.get("advice")), strings(m, "inFlightRequests"));
    }

    /**
     * What a line written before the basis was recorded says, read truthfully: its {@code matchedLine} held
     * the evidence whatever it was (a line, an exit status, a guard's reason), and a bare SIGKILL was written
     * as {@code KERNEL_OOM_KILL} though nothing confirmed an OOM kill: such a line reads as {@code KILLED}.
     */
    private record Legacy(String kind, CrashBasis basis, String evidence) {
        static Legacy read(String kind, Optional<String> matched, Optional<ExitStatus> exit) {
            String exitText = exit.map(ExitStatus::toString).orElse("");
            if (matched.isEmpty()) {
                // The kinds a process child reports without a signature (ProcessCrash.Kind's names) and how each is known.
                CrashBasis basis = switch (kind) {
                    case "LIVENESS", "SILENCE", "HEARTBEAT" -> CrashBasis.CHECK;
                    case "MEMORY_LIMIT", "GPU_MEMORY_LIMIT", "HOST_MEMORY_FLOOR" -> CrashBasis.GUARD;
                    default -> CrashBasis.EXIT_STATUS;
                };
                return new Legacy(kind, basis, exitText.isEmpty() ? kind : exitText);
            }
            String seen = matched.get();
            if (seen.equals(exitText)) {
                boolean unconfirmedOom = kind.equals(CrashKind.KERNEL_OOM_KILL.name());
                return new Legacy(unconfirmedOom ? CrashKind.KILLED.name() : kind, CrashBasis.EXIT_STATUS,
                        unconfirmedOom ? seen + "; OOM kill not confirmed (recorded as KERNEL_OOM_KILL by an older version)" : seen);
            }
            if (seen.startsWith("oom-kill: ")) return new Legacy(kind, CrashBasis.KERNEL_COUNTER, seen.substring(10));
            if (seen.startsWith("memory-limit: ") || seen.startsWith("gpu-memory-limit: ")) {
                return new Legacy(kind, CrashBasis.GUARD, seen.substring(seen.indexOf(": ") + 2));
            }
            return new Legacy(kind, CrashBasis.OUTPUT_LINE, seen);
        }
    }

    private static String str(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof String s)) {
            throw new IllegalArgumentException("missing string field " + key);
        }
        return s;
    }

    private static long num(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof Long l)) {
            throw new IllegalArgumentException("missing integer field " + key);
        }
        return l;
    }

    private static OptionalLong optNum(Map<?, ?> m, String key) {
        return m.get(key) == null ? OptionalLong.empty() : OptionalLong.of(num(m, key));
    }

    private static List<String> strings(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().map(String.class::cast).toList();
    }
}

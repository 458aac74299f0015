package dev.supervision.process.internal.tree;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable list of the processes a tree launched, so that a later run can stop what a JVM killed with
 * {@code kill -9} left behind. One file per tree: {@code <stateDir>/<tree>/ledger} (the tree name
 * percent-encoded to a safe file name).
 *
 * <p>Format: text, one record per line, written (one {@code write}) before {@link #record} returns, so a JVM
 * killed at any moment leaves a readable file. Not fsynced: what the ledger must survive is the death of
 * this JVM, and the kernel keeps a written page through that; a crash of the OS, which an fsync would
 * guard against, also kills every process the ledger lists (an fsync per launch and per exit cost
 * 0.25 ms each on the restart path; see {@code ProcessRestartBench}). A launch is
 * {@code + <pid> <startTime> <incarnation> <run> <child> <bootId> <crc32>} (run and child URL-encoded) and a
 * death {@code - <pid> <startTime> <crc32>}, the CRC-32 (hex) covering the text before it; lines starting with
 * {@code #} are comments. A launch written in another boot ({@code /proc/sys/kernel/random/boot_id}) is
 * stale whatever lives now: a start time counts ticks since boot, so after a reboot an unrelated process can
 * have the recorded pid and start time (a state directory that survives reboots, a service started at
 * boot). One without the boot id is taken as this boot's. A last line without its newline (torn write) and lines failing their checksum
 * are ignored. When the dead records outnumber the live ones the file is compacted: rewritten to a
 * temporary file, fsynced, and atomically renamed over the ledger.
 *
 * <p>Threading: all methods are safe to call concurrently from one JVM (a {@link ReentrantLock}, so virtual
 * threads do not pin on Java 21); {@link #record} and {@link #remove} block for one append. One JVM run per
 * tree and state directory at a time: two live runs sharing a ledger would each take the other for a
 * dead predecessor.
 */
public final class Ledger {
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    private static final String HEADER = "# supervision process ledger, format 2:"
            + " '+ pid startTime incarnation run child bootId crc32' (launched), '- pid startTime crc32' (dead)\n";
    /**
     * This boot's id ({@code /proc/sys/kernel/random/boot_id}), or {@code -} where there is none. A start time
     * in ticks since boot identifies a process within one boot only.
     */
    static final String BOOT = bootId();
    private static final int COMPACT_MIN_DEAD = 64;

    /**
     * One launched process as the ledger knows it.
     *
     * @param process the process
     * @param child the child id
     * @param incarnation the incarnation
     * @param run the JVM run that launched it
     */
    public record Entry(ProcessRef process, String child, long incarnation, String run) {}

    private final String tree;
    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> warnedLiveRuns = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Map<ProcessRef, Entry> live = new LinkedHashMap<>();
    private int deadRecords;
    /** Entries written in an earlier boot, dropped at the last {@link #reload}. */
    private int earlierBoot;

    /**
     * Opens and reads the ledger of a tree; its directory is created by the first record, so that a tree that
     * never launched a process leaves nothing behind.
     *
     * @param stateDir the state directory, e.g. {@code /var/lib/myapp/supervision}
     * @param tree the tree name, not blank
     * @throws IllegalArgumentException if the tree name is blank
     * @throws UncheckedIOException naming the path if the file cannot be read
     */
    public Ledger(Path stateDir, String tree) {
        if (tree == null || tree.isBlank()) {
            throw new IllegalArgumentException("tree name must not be blank, was " + (tree == null ? "null" : "'" + tree + "'"));
        }
        this.tree = tree;
        this.file = stateDir.resolve(fileName(tree)).resolve("ledger");
        reload();
    }

    /** The ledger file. */
    public Path file() {
        return file;
    }

    /** The tree name. */
    public String tree() {
        return tree;
    }

    /**
     * Records a launched process (one append) before returning.
     *
     * @throws IllegalArgumentException if the tag names another tree
     * @throws UncheckedIOException naming the file if it cannot be written
     */
    public void record(ProcessRef process, ProcessTag tag) {
        if (!tag.tree().equals(tree)) {
            throw new IllegalArgumentException("tag of tree '" + tag.tree() + "' recorded in the ledger of tree '" + tree + "'");
        }
        Entry e = new Entry(process, tag.child(), tag.incarnation(), tag.run());
        lock.lock();
        try {
            append(launchRecord(e));
            live.put(process, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that a process is known dead; a no-op for a process the ledger does not list.
     *
     * @throws UncheckedIOException naming the file if it cannot be written
     */
    public void remove(ProcessRef process) {
        lock.lock();
        try {
            if (live.remove(process) == null) {
                return;
            }
            append(withCrc("- " + process.pid() + " " + process.startTime()));
            deadRecords += 2;
            if (deadRecords >= COMPACT_MIN_DEAD && deadRecords > live.size()) {
                rewrite();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The processes listed as launched and not known dead, in launch order. */
    public List<Entry> entries() {
        lock.lock();
        try {
            return List.copyOf(live.values());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Finds and stops what previous runs of this tree left alive; to be called when the tree starts, before
     * anything new is launched. An orphan is a ledger entry of another run whose pid is alive with the
     * recorded start time (a reused pid is left alone), or any process the tag scan finds with this tree's
     * name and another run. Their whole trees are stopped with SIGTERM, {@code stopTimeout}, then SIGKILL.
     * Entries of other runs are then dropped from the ledger, except processes that survived the stop
     * (the next start tries them again). The outcome is logged (a warning when
     * something was found, an error when something survived) and returned.
     *
     * <p>Runs on a virtual thread; the caller is not blocked.
     *
     * @param stopper the stopper to use
     * @param stopTimeout grace period between SIGTERM and SIGKILL; orphans serve nobody, so keep it short
     * @return completes with the report; exceptionally with {@link UncheckedIOException} if the ledger
     *     cannot be read or rewritten
     */
    public CompletableFuture<OrphanReport> cleanupOrphans(TreeStopper stopper, Duration stopTimeout) {
        String ours = ProcessTag.currentRun();
        Predicate<ProcessTag> previousRuns = t -> t.tree().equals(tree) && !t.run().equals(ours) && !liveRun(t.run());
        CompletableFuture<Found> found = new CompletableFuture<>();
        Thread.ofVirtual().name("supervision-orphan-scan").start(() -> {
            try {
                found.complete(find(ours, previousRuns));
            } catch (Throwable t) {
                found.completeExceptionally(t);
            }
        });
        return found.thenCompose(f -> stopper.stop(f.orphans().keySet(), previousRuns, Signal.TERM, stopTimeout)
                .thenApply(stop -> {
                    dropOtherRuns(ours, Set.copyOf(stop.survivors()));
                    OrphanReport report = new OrphanReport(tree, List.copyOf(f.orphans().values()), stop, f.stale());
                    if (!stop.clean()) {
                        LOG.error("Orphans of previous runs could not all be stopped: {}", report);
                    } else if (!report.nothingFound()) {
                        LOG.warn("Stopped orphans of previous runs: {}", report);
                    } else {
                        LOG.debug("No orphans of previous runs: {}", report);
                    }
                    return report;
                }));
    }

    /**
     * Whether {@code run} is another JVM that is still alive: its processes are not orphans and are left
     * alone, with a warning, since two live runs should not share a tree name.
     */
    private boolean liveRun(String run) {
        if (!ProcessTag.runIsAlive(run)) return false;
        if (warnedLiveRuns.add(run)) {
            LOG.warn("tree '{}' is also run by another live JVM (run {}); its processes are left alone. "
                    + "Give each deployment its own tree name.", tree, run);
        }
        return true;
    }

    /** The orphans found, by process, and the number of ledger entries of other runs already gone. */
    private record Found(Map<ProcessRef, OrphanReport.Orphan> orphans, int stale) {}

    private Found find(String ours, Predicate<ProcessTag> previousRuns) {
        Map<ProcessRef, OrphanReport.Orphan> orphans = new LinkedHashMap<>();
        List<Entry> entries;
        int stale;
        lock.lock();
        try {
            entries = reload();
            stale = earlierBoot;
        } finally {
            lock.unlock();
        }
        for (Entry e : entries) {
            if (e.run().equals(ours) || liveRun(e.run())) {
                continue;
            }
            if (ProcessScan.isAlive(e.process())) {
                orphans.put(e.process(), orphan(e.process(), e.child(), e.incarnation(), e.run(), true, false));
            } else {
                stale++;
            }
        }
        for (ProcessScan.TaggedProcess t : ProcessScan.scan(previousRuns)) {
            ProcessTag tag = t.tag();
            orphans.merge(t.process(), orphan(t.process(), tag.child(), tag.incarnation(), tag.run(), false, true),
                    (a, b) -> orphan(a.process(), a.child(), a.incarnation(), a.run(), true, true));
        }
        return new Found(orphans, stale);
    }

    private static OrphanReport.Orphan orphan(ProcessRef p, String child, long incarnation, String run,
            boolean inLedger, boolean tagged) {
        String command = ProcessHandle.of(p.pid()).flatMap(h -> h.info().commandLine()).orElse("");
        return new OrphanReport.Orphan(p, child, incarnation, run, command, inLedger, tagged);
    }

    /** Drops the entries of other runs, except survivors of the stop, which the next start tries again. */
    private void dropOtherRuns(String ours, Set<ProcessRef> survivors) {
        lock.lock();
        try {
            if (live.values().removeIf(e -> !e.run().equals(ours) && !survivors.contains(e.process()) && !liveRun(e.run()))
                    || deadRecords > 0) {
                rewrite();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Re-reads the file (written by a previous run) into memory; returns the live entries. */
    private List<Entry> reload() {
        lock.lock();
        try {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                bytes = new byte[0];
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the ledger " + file, e);
            }
            live.clear();
            deadRecords = 0;
            earlierBoot = 0;
            String text = new String(bytes, StandardCharsets.UTF_8);
            int bad = 0;
            int start = 0;
            for (int nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
                String line = text.substring(start, nl);
                if (!line.isEmpty() && !line.startsWith("#") && !apply(line)) {
                    bad++;
                }
            }
            if (start < text.length()) {
                LOG.info("Ledger {}: ignoring a torn last line (the JVM died while writing it)", file);
            }
            if (bad > 0) {
                LOG.warn("Ledger {}: ignored {} corrupt line(s)", file, bad);
            }
            return List.copyOf(live.values());
        } finally {
            lock.unlock();
        }
    }

    private boolean apply(String line) {
        int lastSpace = line.lastIndexOf(' ');
        if (lastSpace < 0 || !crc(line.substring(0, lastSpace)).equals(line.substring(lastSpace + 1))) {
            return false;
        }
        String[] f = line.substring(0, lastSpace).split(" ");
        try {
            if (f[0].equals("+") && (f.length == 6 || f.length == 7)) {
                ProcessRef p = new ProcessRef(Long.parseLong(f[1]), Long.parseLong(f[2]));
                // Written before a reboot: its pid and start time may now match an unrelated process. (Six
                // fields, format 1, or a boot id of "-", unknown to the writer: taken as this boot's.)
                if (f.length == 7 && !f[6].equals(BOOT) && !BOOT.equals("-") && !f[6].equals("-")) {
                    earlierBoot++;
                    deadRecords++;
                    return true;
                }
                live.put(p, new Entry(p, URLDecoder.decode(f[5], StandardCharsets.UTF_8), Long.parseLong(f[3]),
                        URLDecoder.decode(f[4], StandardCharsets.UTF_8)));
                return true;
            }
            if (f[0].equals("-") && f.length == 3) {
                live.remove(new ProcessRef(Long.parseLong(f[1]), Long.parseLong(f[2])));
                deadRecords += 2;
                return true;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        return false;
    }

    private void append(String line) {
        boolean fresh = !Files.exists(file);
        try {
            if (fresh) Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the ledger directory " + file.getParent(), e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(((fresh ? HEADER : "") + line + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the ledger " + file, e);
        }
    }

    private void rewrite() {
        StringBuilder sb = new StringBuilder(HEADER);
        for (Entry e : live.values()) {
            sb.append(launchRecord(e)).append('\n');
        }
        Path tmp = file.resolveSibling("ledger.tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(false);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            deadRecords = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite the ledger " + file, e);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.debug("Ledger {}: cannot fsync the directory after the rename: {}", file, e.toString());
        }
    }

    private static String launchRecord(Entry e) {
        return withCrc("+ " + e.process().pid() + " " + e.process().startTime() + " " + e.incarnation() + " "
                + URLEncoder.encode(e.run(), StandardCharsets.UTF_8) + " " + URLEncoder.encode(e.child(), StandardCharsets.UTF_8)
                + " " + BOOT);
    }

    private static String bootId() {
        try {
            String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            return id.isEmpty() || id.contains(" ") ? "-" : id;
        } catch (IOException | UnsupportedOperationException none) {
            return "-";
        }
    }

    private static String withCrc(String text) {
        return text + " " + crc(text);
    }

    private static String crc(String text) {
        CRC32 c = new CRC32();
        c.update(text.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(c.getValue());
    }

    /** Percent-encodes everything but ASCII letters, digits, '-' and '_' (so no '.', '..' or '/'). */
    public static String fileName(String tree) {
        StringBuilder sb = new StringBuilder();
        for (byte b : tree.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }
}

package dev.supervision.examples.bench;

import dev.supervision.journal.Header;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.NewRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Journal appends per second, every one committed with {@code synchronous=FULL} before it is acknowledged: group
 * commit (the journal's default, up to 512 writes per transaction) against one transaction per request (the
 * baseline: what a journal without group commit does), in the same run, on the same file system, beside that file
 * system's own fsync time (a 2 KiB write and {@code fdatasync}, the physical cost of one commit). Requests are
 * 2 KiB chat completions with a key, 256 in flight, as a busy proxy would submit them. Rounds alternate the sides.
 *
 * <p>Usage: {@code JournalBench [dir] [seconds per round] [rounds]} (default: a temporary directory under
 * {@code target}, 3 s, 3 rounds).
 */
public final class JournalBench {
    private JournalBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory(Path.of("target"), "journal-bench");
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf(Locale.ROOT, "JournalBench: %s, %d s per side per round, %d rounds, 2 KiB requests, 256 in flight, java %s%n",
                dir.toAbsolutePath(), seconds, rounds, Runtime.version());
        Samples fsync = fsyncTimes(dir);
        System.out.printf(Locale.ROOT, "fsync of a 2 KiB append on this file system: median %.3f ms, p99 %.3f ms (at most %.0f commits/s one by one)%n",
                fsync.medianMillis(), fsync.percentileMillis(99), 1000 / fsync.medianMillis());
        double[] grouped = new double[rounds];
        double[] single = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            grouped[r] = run(dir.resolve("grouped-" + r + ".db"), JournalSpec.DEFAULT_MAX_BATCH, seconds);
            single[r] = run(dir.resolve("single-" + r + ".db"), 1, seconds);
            System.out.printf(Locale.ROOT, "round %d: group commit %,.0f appends/s, one commit per append %,.0f appends/s%n", r + 1, grouped[r], single[r]);
        }
        java.util.Arrays.sort(grouped);
        java.util.Arrays.sort(single);
        double g = grouped[rounds / 2];
        double s = single[rounds / 2];
        System.out.printf(Locale.ROOT, "median: group commit %,.0f appends/s = %.1f x one commit per append (%,.0f appends/s)%n", g, g / s, s);
    }

    private static double run(Path file, int maxBatch, long seconds) throws InterruptedException {
        byte[] body = ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1900) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        List<Header> headers = List.of(new Header("Content-Type", "application/json"));
        AtomicLong acked = new AtomicLong();
        Semaphore window = new Semaphore(256);
        try (Journal journal = Journal.sqlite(JournalSpec.builder(file).maxBatch(maxBatch).build())) {
            long warmUntil = System.nanoTime() + 1_000_000_000L;
            long start = 0;
            long ackedAtStart = 0;
            long end = warmUntil + seconds * 1_000_000_000L;
            for (long i = 0; System.nanoTime() < end; i++) {
                if (start == 0 && System.nanoTime() >= warmUntil) {
                    start = System.nanoTime();
                    ackedAtStart = acked.get();
                }
                window.acquire();
                journal.admit(new NewRequest(Optional.of("k-" + i), "POST", "/v1/chat/completions", headers, body))
                        .whenComplete((a, e) -> {
                            if (e == null) acked.incrementAndGet();
                            window.release();
                        });
            }
            long done = acked.get() - ackedAtStart;
            return done / ((System.nanoTime() - start) / 1e9);
        } finally {
            for (String suffix : new String[] {"", "-wal", "-shm", ".lock"}) {
                try {
                    Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
                } catch (IOException e) {
                    System.out.println("could not delete " + file + suffix + ": " + e);
                }
            }
        }
    }

    private static Samples fsyncTimes(Path dir) throws IOException {
        Path f = dir.resolve("fsync-probe");
        Samples s = new Samples();
        ByteBuffer block = ByteBuffer.allocate(2048);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < 300; i++) {
                block.clear();
                ch.write(block);
                long t = System.nanoTime();
                ch.force(false);
                s.add(System.nanoTime() - t);
            }
        } finally {
            Files.deleteIfExists(f);
        }
        return s;
    }
}

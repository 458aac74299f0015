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
 * <p>Then, on PostgreSQL beside SQLite in the same run (the server {@code SUPERVISION_PG_URL} names, else a throw-away
 * cluster started from Debian's binaries, as the journal's tests do; skipped, saying so, where there is none): group
 * committed appends/s, a request's life after its admission (in flight, then completed: two writes) per second, and
 * on PostgreSQL the takeover of a dead replica's requests (taken over in batches of 100, then completed) per second.
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

        var server = dev.supervision.journal.PostgresServer.get();
        if (server.isEmpty()) {
            System.out.println("PostgreSQL: not measured: " + dev.supervision.journal.PostgresServer.whyNot());
            return;
        }
        String url = server.get().jdbcUrl();
        double[] pgAppends = new double[rounds];
        double[] sqliteLife = new double[rounds];
        double[] pgLife = new double[rounds];
        double[] pgTakeover = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            String schema = "bench_" + r + "_" + ProcessHandle.current().pid();
            pgAppends[r] = appends(() -> Journal.postgres(dev.supervision.journal.PostgresJournalSpec.builder(url).schema(schema + "_a").build()),
                    seconds);
            Path file = dir.resolve("life-" + r + ".db");
            sqliteLife[r] = lifecycle(Journal.sqlite(JournalSpec.builder(file).build()), 20_000);
            delete(file);
            pgLife[r] = lifecycle(Journal.postgres(dev.supervision.journal.PostgresJournalSpec.builder(url).schema(schema + "_l").build()), 20_000);
            pgTakeover[r] = takeover(url, schema + "_t", 10_000);
            System.out.printf(Locale.ROOT, "round %d: PostgreSQL %,.0f appends/s; in flight + completed: SQLite %,.0f/s, PostgreSQL %,.0f/s;"
                    + " PostgreSQL takeover + completed %,.0f/s%n", r + 1, pgAppends[r], sqliteLife[r], pgLife[r], pgTakeover[r]);
        }
        System.out.printf(Locale.ROOT, "median: appends/s SQLite %,.0f, PostgreSQL %,.0f; in flight + completed/s SQLite %,.0f, PostgreSQL %,.0f;"
                + " takeover + completed/s PostgreSQL %,.0f%n", g, median(pgAppends), median(sqliteLife), median(pgLife), median(pgTakeover));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Group-committed appends per second on the journal {@code open} gives, 256 in flight, after a second of warm-up. */
    private static double appends(java.util.function.Supplier<Journal> open, long seconds) throws InterruptedException {
        try (Journal journal = open.get()) {
            return admitFor(journal, seconds);
        }
    }

    /** A request's life after admission, {@code n} of them, 256 in flight: marked in flight, then completed. Per second. */
    private static double lifecycle(Journal journal, int n) throws InterruptedException {
        try (journal) {
            List<String> ids = admitted(journal, n);
            Semaphore window = new Semaphore(256);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(n);
            dev.supervision.journal.StoredResponse answer = new dev.supervision.journal.StoredResponse(200, List.of(),
                    "{\"choices\":[]}".getBytes(StandardCharsets.UTF_8));
            long t = System.nanoTime();
            for (String id : ids) {
                window.acquire();
                journal.markInFlight(id).thenCompose(e -> journal.complete(id, answer)).whenComplete((e, x) -> {
                    window.release();
                    done.countDown();
                });
            }
            done.await();
            return n / ((System.nanoTime() - t) / 1e9);
        }
    }

    /**
     * A replica's {@code n} requests, left when it stopped (its lease given up at its close), taken over by another in
     * batches of 100 and completed, per second.
     */
    private static double takeover(String url, String schema, int n) {
        try (Journal dead = Journal.postgres(dev.supervision.journal.PostgresJournalSpec.builder(url).schema(schema).owner("dead").build())) {
            admitted(dead, n);
        }
        try (Journal live = Journal.postgres(dev.supervision.journal.PostgresJournalSpec.builder(url).schema(schema).owner("live").build())) {
            dev.supervision.journal.StoredResponse answer = new dev.supervision.journal.StoredResponse(200, List.of(), new byte[0]);
            long t = System.nanoTime();
            int done = 0;
            while (done < n) {
                List<dev.supervision.journal.JournaledRequest> taken = live.takeOver(100).join();
                if (taken.isEmpty()) throw new IllegalStateException("only " + done + " of " + n + " taken over");
                java.util.concurrent.CompletableFuture.allOf(taken.stream().map(e -> live.complete(e.id(), answer))
                        .toArray(java.util.concurrent.CompletableFuture[]::new)).join();
                done += taken.size();
            }
            return n / ((System.nanoTime() - t) / 1e9);
        }
    }

    private static List<String> admitted(Journal journal, int n) {
        byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
        List<java.util.concurrent.CompletableFuture<String>> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(journal.admit(new NewRequest(Optional.empty(), "POST", "/v1/chat/completions", List.of(), body)).thenApply(a -> a.entry().id()));
        }
        return ids.stream().map(java.util.concurrent.CompletableFuture::join).toList();
    }

    private static double run(Path file, int maxBatch, long seconds) throws InterruptedException {
        try (Journal journal = Journal.sqlite(JournalSpec.builder(file).maxBatch(maxBatch).build())) {
            return admitFor(journal, seconds);
        } finally {
            delete(file);
        }
    }

    /** Admits 2 KiB requests with keys, 256 in flight, for a second of warm-up then {@code seconds}; acknowledged per second. */
    private static double admitFor(Journal journal, long seconds) throws InterruptedException {
        byte[] body = ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1900) + "\"}]}").getBytes(StandardCharsets.UTF_8);
        List<Header> headers = List.of(new Header("Content-Type", "application/json"));
        AtomicLong acked = new AtomicLong();
        Semaphore window = new Semaphore(256);
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
        window.acquire(256);                                        // the last ones committed
        long done = acked.get() - ackedAtStart;
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static void delete(Path file) {
        for (String suffix : new String[] {"", "-wal", "-shm", ".lock"}) {
            try {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            } catch (IOException e) {
                System.out.println("could not delete " + file + suffix + ": " + e);
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

package dev.supervision.journal.internal;

import dev.supervision.journal.JournalException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's one writer: a platform thread that takes every queued write it finds (up to a batch), runs them in
 * one transaction, commits, and only then completes their futures. A write that fails on its own (a state it cannot
 * move from) leaves nothing behind (SQLite undoes a failed statement; on PostgreSQL each write runs in a savepoint) and
 * fails alone; a commit that fails (a full disk, a lost connection) fails the whole batch, none of which was committed.
 * A connection the database closed is opened again for the next batch. Thread-safe: {@link #submit} from any thread.
 */
final class Writer {
    private static final Logger LOG = LoggerFactory.getLogger(Writer.class);
    /** How often the writer prunes finished requests past their retention. */
    static final long PRUNE_EVERY_MILLIS = 60_000;

    /**
     * One write: runs inside the writer's transaction, answers what its future completes with. It makes at most one
     * change (one INSERT, UPDATE or DELETE statement, after any reads): SQLite undoes a statement that fails as a
     * whole, so a write that fails leaves nothing behind and the others of the batch stand.
     */
    interface Write<T> {
        T run(Statements c) throws SQLException;
    }

    /** The writer connection's prepared statements, prepared once each and kept (the writer thread only). */
    static final class Statements {
        private final Connection connection;
        private final java.util.Map<String, java.sql.PreparedStatement> prepared = new java.util.HashMap<>();

        Statements(Connection connection) {
            this.connection = connection;
        }

        java.sql.PreparedStatement prepare(String sql) throws SQLException {
            java.sql.PreparedStatement ps = prepared.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                prepared.put(sql, ps);
            }
            ps.clearParameters();
            return ps;
        }
    }

    private record Queued<T>(Write<T> write, CompletableFuture<T> future) {}

    /** Opens the writer's connection (again, after the database closed it). */
    interface ConnectionSource {
        Connection open() throws SQLException;
    }

    private final Dialect dialect;
    private final ConnectionSource source;
    private Connection connection;
    private Statements statements;
    private final String file;
    private final int maxBatch;
    private final Runnable periodic;
    private final long periodMillis;
    private final LinkedBlockingQueue<Queued<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closing;

    /**
     * @param periodic run on the writer thread about every {@code periodMillis} (the leases' renewal, the pruning), between batches
     */
    Writer(Dialect dialect, Connection connection, ConnectionSource source, String file, int maxBatch, long periodMillis, Runnable periodic) {
        this.dialect = dialect;
        this.source = source;
        this.connection = connection;
        this.statements = new Statements(connection);
        this.file = file;
        this.maxBatch = maxBatch;
        this.periodic = periodic;
        this.periodMillis = periodMillis;
        this.thread = Thread.ofPlatform().name("supervision-journal-writer").daemon(true).unstarted(this::loop);
        thread.start();
    }

    /** Queues a write; its future completes once committed, or fails with {@link JournalException}. */
    <T> CompletableFuture<T> submit(Write<T> write) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closing) {
            f.completeExceptionally(new JournalException("journal " + file + " is closed", null));
            return f;
        }
        queue.add(new Queued<>(write, f));
        return f;
    }

    /** Commits what is queued and stops the thread; waits for it at most 10 s. */
    void close() throws InterruptedException {
        closing = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    private void loop() {
        long nextPeriodic = System.currentTimeMillis() + periodMillis;
        List<Queued<?>> batch = new ArrayList<>();
        while (true) {
            try {
                Queued<?> first = queue.poll(Math.min(1000, periodMillis), TimeUnit.MILLISECONDS);
                if (first != null) batch.add(first);
            } catch (InterruptedException e) {
                // closing: commit what is queued, then end
            }
            queue.drainTo(batch, maxBatch - batch.size());
            if (!batch.isEmpty()) commit(batch);
            batch.clear();
            if (closing && queue.isEmpty()) break;
            if (System.currentTimeMillis() >= nextPeriodic) {
                nextPeriodic = System.currentTimeMillis() + periodMillis;
                try {
                    periodic.run();
                } catch (RuntimeException e) {
                    LOG.warn("journal {}: renewing leases or pruning finished requests failed: {}", file, e.toString());
                }
            }
        }
        for (Queued<?> q; (q = queue.poll()) != null; ) {
            q.future().completeExceptionally(new JournalException("journal " + file + " is closed", null));
        }
    }

    private void commit(List<Queued<?>> batch) {
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        try {
            if (connection == null) reconnect();
            dialect.begin(connection);
            for (int i = 0; i < batch.size(); i++) {
                java.sql.Savepoint savepoint = dialect.savepoints() ? connection.setSavepoint() : null;
                try {
                    results[i] = batch.get(i).write().run(statements);
                    if (savepoint != null) connection.releaseSavepoint(savepoint);
                } catch (SQLException | RuntimeException e) {
                    if (e instanceof SQLException sql && dialect.fatal(sql)) throw sql;
                    if (savepoint != null) connection.rollback(savepoint);
                    failures[i] = e;              // its one change, if it got that far, was undone
                }
            }
            dialect.commit(connection);
        } catch (SQLException e) {
            rollbackQuietly();
            JournalException failure = new JournalException("journal " + file + ": could not commit " + batch.size()
                    + " write(s), none of them is stored: " + dialect.describe(e), e);
            LOG.error("{}", failure.getMessage());
            for (Queued<?> q : batch) q.future().completeExceptionally(failure);
            dropIfBroken();
            return;
        }
        for (int i = 0; i < batch.size(); i++) complete(batch.get(i), results[i], failures[i]);
    }

    private void reconnect() throws SQLException {
        connection = source.open();
        statements = new Statements(connection);
    }

    /** After a failed commit: a connection the database closed is dropped, to be opened again for the next batch. */
    private void dropIfBroken() {
        try {
            if (connection != null && connection.isValid(2)) return;
        } catch (SQLException e) {
            // not valid either
        }
        try {
            if (connection != null) connection.close();
        } catch (SQLException ignored) {
            // it is gone already
        }
        connection = null;
    }

    /** The connection now (null between a lost connection and the next batch); the writer thread closes it at the end. */
    Connection connection() {
        return connection;
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Queued<T> q, Object result, Throwable failure) {
        if (failure != null) q.future().completeExceptionally(failure);
        else q.future().complete((T) result);
    }

    private void rollbackQuietly() {
        if (connection == null) return;
        try {
            dialect.rollback(connection);
        } catch (SQLException ignored) {
            // no transaction was open, or the connection is gone: nothing was committed either way
        }
    }
}

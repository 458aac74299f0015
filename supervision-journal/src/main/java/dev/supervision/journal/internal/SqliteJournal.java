package dev.supervision.journal.internal;

import dev.supervision.journal.Admission;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalCounts;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.RequestState;
import dev.supervision.journal.StoredResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SQLite journal: one table of requests, written by one {@link Writer}, read on a small pool of connections.
 * The file is held by a lock file beside it for as long as the journal is open, so that a second process cannot
 * write it too. Thread-safe.
 */
public final class SqliteJournal implements Journal {
    /** The first 16 bytes of every SQLite database file. */
    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int SCHEMA_VERSION = 1;
    private static final int READERS = 4;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String COLUMNS = "id, idempotency_key, method, target, headers, body, state, attempts, created_at,"
            + " updated_at, last_error, response_status, response_headers, response_body";

    private static final String SELECT_BY_ID = "SELECT " + COLUMNS + " FROM requests WHERE id = ?";

    private final JournalSpec spec;
    private final String file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Connection writeConnection;
    private final Writer writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final AtomicBoolean closed = new AtomicBoolean();

    private SqliteJournal(JournalSpec spec, FileChannel lockChannel, FileLock lock, Connection writeConnection) {
        this.spec = spec;
        this.file = spec.file().toString();
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.writeConnection = writeConnection;
        this.writer = new Writer(writeConnection, file, spec.maxBatch(), () -> prune(spec.clock().instant()));
    }

    /** See {@link Journal#sqlite}. */
    public static SqliteJournal open(JournalSpec spec) {
        Path path = spec.file().toAbsolutePath();
        FileChannel lockChannel = null;
        Connection c = null;
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            Path lockFile = path.resolveSibling(path.getFileName() + ".lock");
            lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.US_ASCII).trim();
                throw new JournalException("journal " + path + " is in use by another process" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + ", which holds " + lockFile + "; one process writes a journal at a time", null);
            }
            lockChannel.truncate(0).write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
            refuseWhatIsNotADatabase(path);
            c = connect(path);
            checkIntegrity(c, path);
            createSchema(c, path);
            return new SqliteJournal(spec, lockChannel, lock, c);
        } catch (IOException e) {
            closeQuietly(c, lockChannel);
            throw new JournalException("journal " + path + " cannot be opened: " + e, e);
        } catch (SQLException e) {
            closeQuietly(c, lockChannel);
            throw new JournalException("journal " + path + " cannot be opened: " + Writer.describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(c, lockChannel);
            throw e;
        }
    }

    private static void refuseWhatIsNotADatabase(Path path) throws IOException {
        if (!Files.exists(path) || Files.size(path) == 0) return;
        byte[] head = new byte[MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < MAGIC.length || !Arrays.equals(head, MAGIC)) {
            throw new JournalException("journal " + path + " is not an SQLite database (its first bytes are not \"SQLite format 3\");"
                    + " it was left as it is: move it aside, or name another file, to start an empty journal", null);
        }
    }

    private static Connection connect(Path path) throws SQLException {
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("synchronous", "FULL");
        p.setProperty("busy_timeout", "5000");
        return DriverManager.getConnection("jdbc:sqlite:" + path, p);
    }

    private static void checkIntegrity(Connection c, Path path) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
            String verdict = r.next() ? r.getString(1) : "no answer";
            if (!"ok".equals(verdict)) {
                throw new JournalException("journal " + path + " is corrupt (SQLite's quick_check: " + verdict + "); it was left as it"
                        + " is: move it aside to start an empty journal, or recover it with the sqlite3 tool's .recover", null);
            }
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("SQLITE_NOTADB") || String.valueOf(e.getMessage()).contains("SQLITE_CORRUPT")) {
                throw new JournalException("journal " + path + " is corrupt or not a database (" + e.getMessage() + "); it was left as"
                        + " it is: move it aside to start an empty journal", e);
            }
            throw e;
        }
    }

    private static void createSchema(Connection c, Path path) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            try (ResultSet r = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
                if (r.next()) {
                    int version = Integer.parseInt(r.getString(1));
                    if (version > SCHEMA_VERSION) {
                        throw new JournalException("journal " + path + " was written by a newer version (schema " + version
                                + ", this one reads " + SCHEMA_VERSION + "); it was left as it is", null);
                    }
                    return;
                }
            }
            s.execute("BEGIN IMMEDIATE");
            // seq: the order of admission (AUTOINCREMENT: never reused, even after pruning); replays go in that order.
            s.execute("CREATE TABLE requests (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT UNIQUE, fingerprint TEXT NOT NULL,"
                    + " method TEXT NOT NULL, target TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL,"
                    + " attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_error TEXT,"
                    + " response_status INTEGER, response_headers TEXT, response_body BLOB)");
            s.execute("CREATE INDEX requests_by_state ON requests (state, seq)");
            s.execute("INSERT INTO meta (key, value) VALUES ('schema', '" + SCHEMA_VERSION + "')");
            s.execute("COMMIT");
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public CompletableFuture<Admission> admit(NewRequest request) {
        String fingerprint = request.fingerprint();
        return writer.submit(c -> {
            if (request.idempotencyKey().isPresent()) {
                PreparedStatement known = c.prepare("SELECT " + COLUMNS + ", fingerprint FROM requests WHERE idempotency_key = ?");
                known.setString(1, request.idempotencyKey().get());
                try (ResultSet r = known.executeQuery()) {
                    if (r.next()) {
                        JournaledRequest entry = row(r);
                        return r.getString("fingerprint").equals(fingerprint) ? new Admission.Duplicate(entry) : new Admission.KeyReused(entry);
                    }
                }
            }
            long now = spec.clock().millis();
            String id = newId(now);
            PreparedStatement ps = c.prepare("INSERT INTO requests (id, idempotency_key, fingerprint, method, target,"
                    + " headers, body, state, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?)");
            ps.setString(1, id);
            ps.setString(2, request.idempotencyKey().orElse(null));
            ps.setString(3, fingerprint);
            ps.setString(4, request.method());
            ps.setString(5, request.target());
            ps.setString(6, Headers.write(request.headers()));
            ps.setBytes(7, request.body());
            ps.setLong(8, now);
            ps.setLong(9, now);
            ps.executeUpdate();
            Instant at = Instant.ofEpochMilli(now);
            return new Admission.Admitted(new JournaledRequest(id, request, RequestState.PENDING, 0, at, at, Optional.empty(), Optional.empty()));
        });
    }

    @Override
    public CompletableFuture<JournaledRequest> markInFlight(String id) {
        return transition(id, "mark in flight", List.of(RequestState.PENDING, RequestState.IN_FLIGHT),
                "state = 'IN_FLIGHT', attempts = attempts + 1", null, null);
    }

    @Override
    public CompletableFuture<JournaledRequest> complete(String id, StoredResponse response) {
        return transition(id, "complete", List.of(RequestState.PENDING, RequestState.IN_FLIGHT),
                "state = 'COMPLETED', response_status = ?, response_headers = ?, response_body = ?", null, response);
    }

    @Override
    public CompletableFuture<JournaledRequest> requeue(String id, String error) {
        return transition(id, "requeue", List.of(RequestState.IN_FLIGHT, RequestState.PENDING), "state = 'PENDING'", error, null);
    }

    @Override
    public CompletableFuture<JournaledRequest> fail(String id, String error, Optional<StoredResponse> response) {
        return transition(id, "fail", List.of(RequestState.PENDING, RequestState.IN_FLIGHT),
                response.isPresent() ? "state = 'FAILED', response_status = ?, response_headers = ?, response_body = ?" : "state = 'FAILED'",
                error, response.orElse(null));
    }

    @Override
    public CompletableFuture<JournaledRequest> deadLetter(String id, String reason) {
        return transition(id, "dead-letter", List.of(RequestState.PENDING, RequestState.IN_FLIGHT), "state = 'DEAD_LETTERED'", reason, null);
    }

    @Override
    public CompletableFuture<JournaledRequest> revive(String id) {
        return transition(id, "revive", List.of(RequestState.DEAD_LETTERED, RequestState.FAILED),
                "state = 'PENDING', attempts = 0, response_status = NULL, response_headers = NULL, response_body = NULL", null, null);
    }

    /**
     * Moves request {@code id} from one of {@code from} with {@code set} (its {@code ?}s bound to the response's
     * status, headers and body when {@code response} is given), stamping updated_at and, when given, last_error.
     */
    private CompletableFuture<JournaledRequest> transition(String id, String what, List<RequestState> from, String set, String error,
                                                           StoredResponse response) {
        return writer.submit(c -> {
            JournaledRequest before = selectOne(c.prepare(SELECT_BY_ID), id).orElseThrow(() ->
                    new IllegalArgumentException("cannot " + what + " request " + id + ": the journal has no such request"));
            if (!from.contains(before.state())) {
                throw new IllegalStateException("cannot " + what + " request " + id + ": it is " + before.state() + ", expected one of " + from);
            }
            PreparedStatement ps = c.prepare("UPDATE requests SET " + set + ", updated_at = ?" + (error != null ? ", last_error = ?" : "")
                    + " WHERE id = ?");
            int i = 1;
            if (response != null) {
                ps.setInt(i++, response.status());
                ps.setString(i++, Headers.write(response.headers()));
                ps.setBytes(i++, response.body());
            }
            long now = spec.clock().millis();
            ps.setLong(i++, now);
            if (error != null) ps.setString(i++, error);
            ps.setString(i, id);
            ps.executeUpdate();
            return selectOne(c.prepare(SELECT_BY_ID), id).orElseThrow();
        });
    }

    @Override
    public CompletableFuture<Integer> prune(Instant now) {
        long before = now.minus(spec.retention()).toEpochMilli();
        return writer.submit(c -> {
            PreparedStatement ps = c.prepare("DELETE FROM requests WHERE state IN ('COMPLETED', 'FAILED') AND updated_at < ?");
            ps.setLong(1, before);
            return ps.executeUpdate();
        });
    }

    // ------------------------------------------------------------------ reads

    @Override
    public Optional<JournaledRequest> get(String id) {
        return read(c -> select(c, "id = ?", id));
    }

    @Override
    public Optional<JournaledRequest> byIdempotencyKey(String key) {
        return read(c -> select(c, "idempotency_key = ?", key));
    }

    @Override
    public List<JournaledRequest> unfinished() {
        return read(c -> selectAll(c, "state IN ('PENDING', 'IN_FLIGHT')"));
    }

    @Override
    public List<JournaledRequest> deadLetters() {
        return read(c -> selectAll(c, "state = 'DEAD_LETTERED'"));
    }

    @Override
    public JournalCounts counts() {
        return read(c -> {
            long[] n = new long[RequestState.values().length];
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT state, count(*) FROM requests GROUP BY state")) {
                while (r.next()) n[RequestState.valueOf(r.getString(1)).ordinal()] = r.getLong(2);
            }
            return new JournalCounts(n[RequestState.PENDING.ordinal()], n[RequestState.IN_FLIGHT.ordinal()],
                    n[RequestState.COMPLETED.ordinal()], n[RequestState.FAILED.ordinal()], n[RequestState.DEAD_LETTERED.ordinal()]);
        });
    }

    private interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(Read<T> read) {
        if (closed.get()) throw new JournalException("journal " + file + " is closed", null);
        Connection c = readers.poll();
        try {
            if (c == null) c = connect(spec.file().toAbsolutePath());
            return read.run(c);
        } catch (SQLException e) {
            throw new JournalException("journal " + file + ": a read failed: " + Writer.describe(e), e);
        } finally {
            if (c != null && (closed.get() || !readers.offer(c))) closeQuietly(c, null);
        }
    }

    private static Optional<JournaledRequest> select(Connection c, String where, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM requests WHERE " + where)) {
            return selectOne(ps, value);
        }
    }

    private static Optional<JournaledRequest> selectOne(PreparedStatement ps, String value) throws SQLException {
        ps.setString(1, value);
        try (ResultSet r = ps.executeQuery()) {
            return r.next() ? Optional.of(row(r)) : Optional.empty();
        }
    }

    private static List<JournaledRequest> selectAll(Connection c, String where) throws SQLException {
        List<JournaledRequest> out = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT " + COLUMNS + " FROM requests WHERE " + where + " ORDER BY seq")) {
            while (r.next()) out.add(row(r));
        }
        return out;
    }

    private static JournaledRequest row(ResultSet r) throws SQLException {
        NewRequest request = new NewRequest(Optional.ofNullable(r.getString("idempotency_key")), r.getString("method"),
                r.getString("target"), Headers.read(r.getString("headers")), r.getBytes("body"));
        int status = r.getInt("response_status");
        Optional<StoredResponse> response = r.wasNull() ? Optional.empty()
                : Optional.of(new StoredResponse(status, Headers.read(r.getString("response_headers")), bytes(r.getBytes("response_body"))));
        return new JournaledRequest(r.getString("id"), request, RequestState.valueOf(r.getString("state")), r.getInt("attempts"),
                Instant.ofEpochMilli(r.getLong("created_at")), Instant.ofEpochMilli(r.getLong("updated_at")),
                Optional.ofNullable(r.getString("last_error")), response);
    }

    private static byte[] bytes(byte[] b) {
        return b == null ? new byte[0] : b;
    }

    /** A time-ordered random UUID (version 7): milliseconds since the epoch, then 74 random bits. */
    static String newId(long millis) {
        long random = RANDOM.nextLong();
        long msb = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0fffL);
        long lsb = (random & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c; (c = readers.poll()) != null; ) closeQuietly(c, null);
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(writeConnection, lockChannel);
    }

    private static void closeQuietly(Connection c, FileChannel channel) {
        try {
            if (c != null) c.close();
        } catch (SQLException ignored) {
            // closing: nothing to do about it
        }
        try {
            if (channel != null) channel.close();
        } catch (IOException ignored) {
            // closing: nothing to do about it
        }
    }
}

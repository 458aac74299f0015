package dev.supervision.journal.internal;

import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.JournalSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The SQLite journal: one table of requests, written by one {@link Writer}, read on a small pool of connections.
 * The file is held by a lock file beside it for as long as the journal is open, so that a second process cannot
 * write it too. Thread-safe.
 */
public final class SqliteJournal extends SqlJournal {
    /** The first 16 bytes of every SQLite database file. */
    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final int SCHEMA_VERSION = 2;
    private static final int READERS = 4;

    private final JournalSpec spec;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Connection writeConnection;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);

    private SqliteJournal(JournalSpec spec, FileChannel lockChannel, FileLock lock, Connection writeConnection) {
        super(spec.file().toString(), spec.clock(), spec.retention(), spec.maxBatch(), spec.owner(), spec.lease(), new Dialect.Sqlite(),
                writeConnection, () -> writeConnection);
        this.spec = spec;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.writeConnection = writeConnection;
    }

    @Override
    Connection borrow() throws SQLException {
        Connection c = readers.poll();
        return c != null ? c : connect(spec.file().toAbsolutePath());
    }

    @Override
    void giveBack(Connection c) {
        if (closed.get() || !readers.offer(c)) closeQuietly(c, null);
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
            SqliteJournal journal = new SqliteJournal(spec, lockChannel, lock, c);
            journal.startLease();
            return journal;
        } catch (IOException e) {
            closeQuietly(c, lockChannel);
            throw new JournalException("journal " + path + " cannot be opened: " + e, e);
        } catch (SQLException e) {
            closeQuietly(c, lockChannel);
            throw new JournalException("journal " + path + " cannot be opened: " + new Dialect.Sqlite().describe(e), e);
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

    /**
     * Creates the tables, or brings an older journal up to this version's schema (versioned SQL, one transaction per
     * step): 1 → 2 added the lease (owner, fencing token, lease end). A newer schema is refused and left as it is.
     */
    private static void createSchema(Connection c, Path path) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            int version = 0;
            try (ResultSet r = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
                if (r.next()) version = Integer.parseInt(r.getString(1));
            }
            if (version > SCHEMA_VERSION) {
                throw new JournalException("journal " + path + " was written by a newer version (schema " + version
                        + ", this one reads " + SCHEMA_VERSION + "); it was left as it is", null);
            }
            if (version == SCHEMA_VERSION) return;
            s.execute("BEGIN IMMEDIATE");
            if (version == 0) {
                // seq: the order of admission (AUTOINCREMENT: never reused, even after pruning); replays go in that order.
                s.execute("CREATE TABLE requests (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT UNIQUE,"
                        + " fingerprint TEXT NOT NULL, method TEXT NOT NULL, target TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,"
                        + " state TEXT NOT NULL, attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
                        + " last_error TEXT, response_status INTEGER, response_headers TEXT, response_body BLOB)");
                s.execute("CREATE INDEX requests_by_state ON requests (state, seq)");
                s.execute("INSERT INTO meta (key, value) VALUES ('schema', '1')");
            }
            // 1 -> 2: leases. A request's holder and fencing token; one heartbeat row per journal in owners. Requests of a
            // version-1 journal belong to nobody, with no lease: the next holder takes them.
            s.execute("ALTER TABLE requests ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
            s.execute("ALTER TABLE requests ADD COLUMN token INTEGER NOT NULL DEFAULT 1");
            s.execute("CREATE TABLE owners (owner TEXT PRIMARY KEY, lease_until INTEGER NOT NULL)");
            s.execute("UPDATE meta SET value = '" + SCHEMA_VERSION + "' WHERE key = 'schema'");
            s.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
            try (Statement s = c.createStatement()) {
                if (!c.getAutoCommit()) c.rollback();
                else s.execute("ROLLBACK");
            } catch (SQLException ignored) {
                // no transaction was open
            }
            throw e;
        }
    }


    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        endLease();
        closeWriter();
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

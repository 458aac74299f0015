package dev.supervision.journal.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.PostgresJournalSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The journal on PostgreSQL (pgjdbc): the same table and contract as on SQLite, in a schema of its own; the writer on
 * a connection of its own (opened again when the server closed it), reads on a HikariCP pool. The schema is created at
 * first open, under an advisory lock so that replicas starting together create it once; a newer schema version is
 * refused. Thread-safe.
 */
public final class PostgresJournal extends SqlJournal {
    static final int SCHEMA_VERSION = 2;
    /** The advisory lock taken while the schema is checked or created ("supervision journal" as a number). */
    private static final long SCHEMA_LOCK = 0x5355504a4f55524eL;

    private final HikariDataSource readers;

    private PostgresJournal(PostgresJournalSpec spec, Connection writeConnection, HikariDataSource readers) {
        super(spec.jdbcUrl() + " (schema " + spec.schema() + ")", spec.clock(), spec.retention(), spec.maxBatch(), spec.owner(), spec.lease(),
                new Dialect.Postgres(), writeConnection, () -> connect(spec));
        this.readers = readers;
    }

    /** See {@link dev.supervision.journal.Journal#postgres}. */
    public static PostgresJournal open(PostgresJournalSpec spec) {
        String where = spec.jdbcUrl() + " (schema " + spec.schema() + ")";
        Connection writer = null;
        HikariDataSource pool = null;
        try {
            writer = connect(spec);
            createSchema(writer, spec, where);
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(spec.jdbcUrl());
            config.setUsername(spec.user());
            config.setPassword(spec.password());
            config.setSchema(spec.schema());
            config.setMaximumPoolSize(spec.readers());
            config.setMinimumIdle(1);
            config.setReadOnly(true);
            config.setPoolName("supervision-journal-readers");
            config.setConnectionTimeout(10_000);
            config.setInitializationFailTimeout(-1);                 // the writer's connection showed the server is there
            pool = new HikariDataSource(config);
            PostgresJournal journal = new PostgresJournal(spec, writer, pool);
            journal.startLease();
            return journal;
        } catch (SQLException e) {
            closeQuietly(writer);
            if (pool != null) pool.close();
            throw new JournalException("journal " + where + " cannot be opened: " + new Dialect.Postgres().describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(writer);
            if (pool != null) pool.close();
            throw e;
        }
    }

    private static Connection connect(PostgresJournalSpec spec) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", spec.user());
        p.setProperty("password", spec.password());
        p.setProperty("currentSchema", spec.schema());
        p.setProperty("connectTimeout", "10");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "supervision-journal");
        return DriverManager.getConnection(spec.jdbcUrl(), p);
    }

    private static void createSchema(Connection c, PostgresJournalSpec spec, String where) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            s.execute("CREATE SCHEMA IF NOT EXISTS " + spec.schema());
            s.execute("CREATE TABLE IF NOT EXISTS " + spec.schema() + ".meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            int version = 0;
            try (ResultSet r = s.executeQuery("SELECT value FROM " + spec.schema() + ".meta WHERE key = 'schema'")) {
                if (r.next()) version = Integer.parseInt(r.getString(1));
            }
            if (version > SCHEMA_VERSION) {
                throw new JournalException("journal " + where + " was written by a newer version (schema " + version
                        + ", this one reads " + SCHEMA_VERSION + "); it was left as it is", null);
            }
            if (version == 0) {
                // seq: the order of admission (an identity: never reused); replays go in that order.
                s.execute("CREATE TABLE " + spec.schema() + ".requests (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                        + " id TEXT NOT NULL UNIQUE, idempotency_key TEXT UNIQUE, fingerprint TEXT NOT NULL, method TEXT NOT NULL,"
                        + " target TEXT NOT NULL, headers TEXT NOT NULL, body BYTEA NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,"
                        + " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_error TEXT, response_status INTEGER,"
                        + " response_headers TEXT, response_body BYTEA)");
                s.execute("CREATE INDEX requests_by_state ON " + spec.schema() + ".requests (state, seq)");
                s.execute("INSERT INTO " + spec.schema() + ".meta (key, value) VALUES ('schema', '1')");
                version = 1;
            }
            if (version == 1) {
                // 1 -> 2: leases. A request's holder and fencing token; one heartbeat row per replica in owners. A version-1
                // journal's requests belong to nobody, with no lease: a replica takes them over.
                s.execute("ALTER TABLE " + spec.schema() + ".requests ADD COLUMN owner TEXT NOT NULL DEFAULT '',"
                        + " ADD COLUMN token BIGINT NOT NULL DEFAULT 1");
                s.execute("CREATE TABLE " + spec.schema() + ".owners (owner TEXT PRIMARY KEY, lease_until BIGINT NOT NULL)");
                s.execute("UPDATE " + spec.schema() + ".meta SET value = '2' WHERE key = 'schema'");
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    @Override
    Connection borrow() throws SQLException {
        return readers.getConnection();
    }

    @Override
    void giveBack(Connection c) {
        closeQuietly(c);                                            // back to the pool
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        endLease();
        closeWriter();
        closeQuietly(writer.connection());
        readers.close();
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) c.close();
        } catch (SQLException ignored) {
            // closing: nothing to do about it
        }
    }
}

package dev.supervision.journal.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** What differs between the journal's databases: transactions, DDL types, which errors end a whole batch. Stateless. */
sealed interface Dialect {
    void begin(Connection c) throws SQLException;

    void commit(Connection c) throws SQLException;

    void rollback(Connection c) throws SQLException;

    /** Whether each write runs in a savepoint (PostgreSQL aborts the whole transaction on a failed statement). */
    boolean savepoints();

    /** Errors that end the whole transaction (the disk, the connection), as opposed to one write's own. */
    boolean fatal(SQLException e);

    /** The error in words for a journal's message. */
    String describe(SQLException e);

    /** What a takeover's row selection ends with: PostgreSQL skips rows another replica is taking. */
    String skipLocked();

    /**
     * Whether one journal alone writes the database (SQLite: its lock file): then every request in it is that journal's,
     * whoever held it before (a process that is gone), and a write makes it so.
     */
    boolean exclusive();

    /** SQLite: one connection in autocommit mode, explicit BEGIN IMMEDIATE / COMMIT. */
    record Sqlite() implements Dialect {
        @Override public void begin(Connection c) throws SQLException { execute(c, "BEGIN IMMEDIATE"); }

        @Override public void commit(Connection c) throws SQLException { execute(c, "COMMIT"); }

        @Override public void rollback(Connection c) throws SQLException { execute(c, "ROLLBACK"); }

        @Override public boolean savepoints() { return false; }

        @Override public String skipLocked() { return ""; }                // one writer: nothing to skip

        @Override public boolean exclusive() { return true; }

        @Override
        public boolean fatal(SQLException e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("SQLITE_FULL") || m.contains("SQLITE_IOERR") || m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_READONLY")
                    || m.contains("SQLITE_CANTOPEN") || m.contains("SQLITE_NOTADB") || m.contains("SQLITE_BUSY");
        }

        @Override
        public String describe(SQLException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("SQLITE_FULL")) return "the disk is full (" + m + ")";
            if (m.contains("SQLITE_READONLY")) return "the file or its directory is read-only (" + m + ")";
            return m;
        }
    }

    /** PostgreSQL: autocommit off, a savepoint per write; connection and server errors end the batch. */
    record Postgres() implements Dialect {
        @Override public void begin(Connection c) throws SQLException { if (c.getAutoCommit()) c.setAutoCommit(false); }

        @Override public void commit(Connection c) throws SQLException { c.commit(); }

        @Override public void rollback(Connection c) throws SQLException { c.rollback(); }

        @Override public boolean savepoints() { return true; }

        @Override public String skipLocked() { return " FOR UPDATE SKIP LOCKED"; }

        @Override public boolean exclusive() { return false; }

        @Override
        public boolean fatal(SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            // 08: connection exceptions; 53: insufficient resources (disk full); 57: operator intervention (shutdown);
            // 58: system errors (I/O); 40: transaction rollbacks (serialization, deadlock) end the batch too.
            return state.isEmpty() || state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.startsWith("58")
                    || state.startsWith("40");
        }

        @Override
        public String describe(SQLException e) {
            return e.getMessage() + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}

package dev.supervision.journal;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a journal on PostgreSQL is reached and kept (the journal of a fleet: every replica on the same database).
 * Immutable; built by {@link #builder(String)}.
 *
 * <p>Defaults: schema {@code supervision_journal} (created at first open, with its tables), 4 pooled read connections
 * (HikariCP) beside the writer's own, completed and failed requests kept 24 hours, up to 512 writes committed together,
 * the system clock, owner {@link JournalSpec#defaultOwner()}, leases of 10 s. {@link #toString()} leaves the password out.
 *
 * @param jdbcUrl   {@code jdbc:postgresql://host:port/database}
 * @param user      the role to connect as
 * @param password  its password (empty for trust or peer authentication)
 * @param schema    the schema holding the journal's tables (letters, digits and '_')
 * @param readers   the read connections pooled
 * @param retention how long completed and failed requests, and so their idempotency keys, are kept
 * @param maxBatch  the most writes committed in one transaction
 * @param clock     the clock of every timestamp and of the retention
 * @param owner     this journal's name as the owner of the requests it admits or takes over ({@link Lease})
 * @param lease     how long a request stays this journal's without a renewal (renewed every third of it)
 */
public record PostgresJournalSpec(String jdbcUrl, String user, String password, String schema, int readers, Duration retention,
                                  int maxBatch, Clock clock, String owner, Duration lease) {
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** @throws IllegalArgumentException naming the setting and the value if one is out of range */
    public PostgresJournalSpec {
        Objects.requireNonNull(clock, "clock");
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("jdbcUrl: expected jdbc:postgresql://host:port/database, was '" + jdbcUrl + "'");
        }
        if (user == null || user.isBlank()) throw new IllegalArgumentException("user: expected a role name, was '" + user + "'");
        Objects.requireNonNull(password, "password");
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema: expected letters, digits and '_' (at most 63), was '" + schema + "'");
        }
        if (readers < 1 || readers > 100) throw new IllegalArgumentException("readers: expected 1..100, was " + readers);
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention: expected > 0, was " + retention);
        }
        if (maxBatch < 1 || maxBatch > 100_000) throw new IllegalArgumentException("maxBatch: expected 1..100000, was " + maxBatch);
        JournalSpec.checkOwnerAndLease(owner, lease);
    }

    /** A builder for the journal at {@code jdbcUrl}. */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    @Override
    public String toString() {
        return "PostgresJournalSpec[" + jdbcUrl + ", user " + user + ", schema " + schema + ", readers " + readers + ", retention "
                + retention + ", maxBatch " + maxBatch + ", owner " + owner + ", lease " + lease + "]";
    }

    /** Not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private final String jdbcUrl;
        private String user = "postgres";
        private String password = "";
        private String schema = "supervision_journal";
        private int readers = 4;
        private Duration retention = JournalSpec.DEFAULT_RETENTION;
        private int maxBatch = JournalSpec.DEFAULT_MAX_BATCH;
        private Clock clock = Clock.systemUTC();
        private String owner;
        private Duration lease = JournalSpec.DEFAULT_LEASE;

        private Builder(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
        }

        /** The role and its password; default {@code postgres} with none. */
        public Builder credentials(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        /** The schema of the journal's tables; default {@code supervision_journal}. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** Pooled read connections; default 4. */
        public Builder readers(int readers) {
            this.readers = readers;
            return this;
        }

        /** How long finished requests (and their idempotency keys) are kept; default 24 hours. */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** The most writes committed together; default 512. */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** The clock of timestamps and retention; for tests. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** This journal's name as an owner of requests (unique per replica); default {@link JournalSpec#defaultOwner()}. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** How long a request stays this journal's without a renewal; default 10 s. */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting and the value if one is out of range */
        public PostgresJournalSpec build() {
            return new PostgresJournalSpec(jdbcUrl, user, password, schema, readers, retention, maxBatch, clock,
                    owner == null ? JournalSpec.defaultOwner() : owner, lease);
        }
    }
}

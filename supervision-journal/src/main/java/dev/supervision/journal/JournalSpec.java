package dev.supervision.journal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a journal is kept. Immutable; built by {@link #builder(Path)}.
 *
 * <p>Defaults: completed and failed requests kept 24 hours (as Stripe keeps idempotency keys), then pruned;
 * up to 512 writes committed together; the system clock; owner {@link #defaultOwner()}, leases of 10 s.
 *
 * @param file      the SQLite file (created with its directories; {@code -wal}, {@code -shm} and {@code .lock} beside it)
 * @param retention how long completed and failed requests, and so their idempotency keys, are kept
 * @param maxBatch  the most writes committed in one transaction
 * @param clock     the clock of every timestamp and of the retention
 * @param owner     this journal's name as the owner of the requests it admits or takes over ({@link Lease})
 * @param lease     how long a request stays this journal's without a renewal (renewed every third of it)
 */
public record JournalSpec(Path file, Duration retention, int maxBatch, Clock clock, String owner, Duration lease) {
    /** Default lease: 10 seconds. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** Default retention of finished requests: 24 hours. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** Default most writes per transaction: 512. */
    public static final int DEFAULT_MAX_BATCH = 512;

    /** @throws IllegalArgumentException naming the setting and the value if one is out of range */
    public JournalSpec {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention: expected > 0, was " + retention);
        }
        if (maxBatch < 1 || maxBatch > 100_000) {
            throw new IllegalArgumentException("maxBatch: expected 1..100000, was " + maxBatch);
        }
        checkOwnerAndLease(owner, lease);
    }

    static void checkOwnerAndLease(String owner, Duration lease) {
        if (owner == null || owner.isBlank() || owner.length() > 200) {
            throw new IllegalArgumentException("owner: expected 1 to 200 characters, was " + (owner == null ? "null" : "'" + owner + "'"));
        }
        if (lease == null || lease.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("lease: expected at least 300 ms, was " + lease);
        }
    }

    /** A name unique to this journal's process: the host name, the pid and a random suffix ({@code gpu-7-4242-3f9a}). */
    public static String defaultOwner() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(new java.security.SecureRandom().nextInt(0x10000));
    }

    /** A builder for the journal in {@code file}. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** Not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private final Path file;
        private Duration retention = DEFAULT_RETENTION;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private Clock clock = Clock.systemUTC();
        private String owner;
        private Duration lease = DEFAULT_LEASE;

        private Builder(Path file) {
            this.file = file;
        }

        /** How long finished requests (and their idempotency keys) are kept; default 24 hours. */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** The most writes committed together; default 512 (1 commits every write alone). */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** The clock of timestamps and retention; for tests. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** This journal's name as an owner of requests; default {@link #defaultOwner()}. */
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
        public JournalSpec build() {
            return new JournalSpec(file, retention, maxBatch, clock, owner == null ? defaultOwner() : owner, lease);
        }
    }
}

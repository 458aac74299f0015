package dev.supervision.journal.internal;

import dev.supervision.journal.Admission;
import dev.supervision.journal.FencedException;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalCounts;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.Lease;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.RequestState;
import dev.supervision.journal.StoredResponse;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The journal's contract in SQL, the same for every database: one table {@code requests}, written by one
 * {@link Writer} (group commit), read on connections the database's journal lends ({@link #borrow}). Thread-safe.
 */
abstract sealed class SqlJournal implements Journal permits SqliteJournal, PostgresJournal {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A request's columns, and its holder's lease end from {@code owners} (one heartbeat row per journal). */
    static final String COLUMNS = "id, idempotency_key, method, target, headers, body, state, attempts, created_at,"
            + " updated_at, last_error, response_status, response_headers, response_body, owner, token,"
            + " COALESCE((SELECT o.lease_until FROM owners o WHERE o.owner = requests.owner), 0) AS lease_until";
    private static final String SELECT_BY_ID = "SELECT " + COLUMNS + " FROM requests WHERE id = ?";

    /** What the journal is called in messages: its file, or its database. */
    final String name;
    private final Clock clock;
    private final Duration retention;
    private final Dialect dialect;
    private final String owner;
    private final Duration lease;
    final Writer writer;
    final AtomicBoolean closed = new AtomicBoolean();

    SqlJournal(String name, Clock clock, Duration retention, int maxBatch, String owner, Duration lease, Dialect dialect,
               Connection writeConnection, Writer.ConnectionSource source) {
        this.name = name;
        this.clock = clock;
        this.retention = retention;
        this.owner = owner;
        this.lease = lease;
        this.dialect = dialect;
        this.writer = new Writer(dialect, writeConnection, source, name, maxBatch, Math.max(100, lease.toMillis() / 3), this::periodic);
    }

    private long lastPrune;
    /** When this journal's lease ends unless renewed (its row in {@code owners}). */
    private volatile long leaseUntil;

    /** On the writer thread every third of the lease: the leases renewed; once a minute, the retention's pruning. */
    private void periodic() {
        renew();
        if (clock.millis() - lastPrune >= Writer.PRUNE_EVERY_MILLIS) {
            lastPrune = clock.millis();
            prune(clock.instant());
        }
    }

    /** A connection to read on (the caller's thread), given back by {@link #giveBack}. */
    abstract Connection borrow() throws SQLException;

    abstract void giveBack(Connection c);

    // ------------------------------------------------------------------ writes

    @Override
    public CompletableFuture<Admission> admit(NewRequest request) {
        String fingerprint = request.fingerprint();
        return writer.submit(c -> {
            if (request.idempotencyKey().isPresent()) {
                Optional<Admission> known = known(c, request.idempotencyKey().get(), fingerprint);
                if (known.isPresent()) return known.get();
            }
            long now = clock.millis();
            String id = newId(now);
            // ON CONFLICT: another replica admitting the same key at the same moment (PostgreSQL waits for its commit):
            // nothing inserted, and the request is that one's.
            PreparedStatement ps = c.prepare("INSERT INTO requests (id, idempotency_key, fingerprint, method, target,"
                    + " headers, body, state, attempts, created_at, updated_at, owner, token)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, 1) ON CONFLICT (idempotency_key) DO NOTHING");
            ps.setString(1, id);
            ps.setString(2, request.idempotencyKey().orElse(null));
            ps.setString(3, fingerprint);
            ps.setString(4, request.method());
            ps.setString(5, request.target());
            ps.setString(6, Headers.write(request.headers()));
            ps.setBytes(7, request.body());
            ps.setLong(8, now);
            ps.setLong(9, now);
            ps.setString(10, owner);
            if (ps.executeUpdate() == 0) {
                return known(c, request.idempotencyKey().orElseThrow(), fingerprint).orElseThrow(() ->
                        new IllegalStateException("idempotency key " + request.idempotencyKey().get() + ": a conflict, then no request"));
            }
            Instant at = Instant.ofEpochMilli(now);
            return new Admission.Admitted(new JournaledRequest(id, request, RequestState.PENDING, 0, at, at, Optional.empty(), Optional.empty(),
                    new Lease(owner, 1, Instant.ofEpochMilli(leaseUntil))));
        });
    }

    /** The request journaled under {@code key}: a duplicate (same payload) or a key reused for another payload. */
    private Optional<Admission> known(Writer.Statements c, String key, String fingerprint) throws SQLException {
        PreparedStatement known = c.prepare("SELECT " + COLUMNS + ", fingerprint FROM requests WHERE idempotency_key = ?");
        known.setString(1, key);
        try (ResultSet r = known.executeQuery()) {
            if (!r.next()) return Optional.empty();
            JournaledRequest entry = row(r);
            return Optional.of(r.getString("fingerprint").equals(fingerprint) ? new Admission.Duplicate(entry) : new Admission.KeyReused(entry));
        }
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
                "state = 'PENDING', attempts = 0, response_status = NULL, response_headers = NULL, response_body = NULL", null, null, true);
    }

    /**
     * Moves request {@code id} from one of {@code from} with {@code set} (its {@code ?}s bound to the response's
     * status, headers and body when {@code response} is given), stamping updated_at and, when given, last_error.
     */
    private CompletableFuture<JournaledRequest> transition(String id, String what, List<RequestState> from, String set, String error,
                                                           StoredResponse response) {
        return transition(id, what, from, set, error, response, false);
    }

    /**
     * Moves request {@code id} from one of {@code from} with {@code set} (its {@code ?}s bound to the response's status,
     * headers and body when {@code response} is given), stamping updated_at and, when given, last_error. Only while this
     * journal holds it, with the token it read (a takeover in between fences the write), unless {@code takeBack} (an
     * operator's revive) or the database is this journal's alone ({@link Dialect#exclusive()}): then it becomes this
     * journal's, with a token one higher when it was another's.
     */
    private CompletableFuture<JournaledRequest> transition(String id, String what, List<RequestState> from, String set, String error,
                                                           StoredResponse response, boolean takeBack) {
        return writer.submit(c -> {
            JournaledRequest before = selectOne(c.prepare(SELECT_BY_ID), id).orElseThrow(() ->
                    new IllegalArgumentException("cannot " + what + " request " + id + ": the journal has no such request"));
            if (!from.contains(before.state())) {
                throw new IllegalStateException("cannot " + what + " request " + id + ": it is " + before.state() + ", expected one of " + from);
            }
            boolean claim = takeBack || dialect.exclusive();
            if (!claim && !before.lease().owner().equals(owner)) throw fenced(what, before);
            long now = clock.millis();
            PreparedStatement ps = c.prepare("UPDATE requests SET " + set + ", updated_at = ?" + (error != null ? ", last_error = ?" : "")
                    + (claim ? ", token = CASE WHEN owner = ? THEN token ELSE token + 1 END, owner = ?" : "")
                    + " WHERE id = ? AND token = ?");
            int i = 1;
            if (response != null) {
                ps.setInt(i++, response.status());
                ps.setString(i++, Headers.write(response.headers()));
                ps.setBytes(i++, response.body());
            }
            ps.setLong(i++, now);
            if (error != null) ps.setString(i++, error);
            if (claim) {
                ps.setString(i++, owner);
                ps.setString(i++, owner);
            }
            ps.setString(i++, id);
            ps.setLong(i, before.lease().token());
            if (ps.executeUpdate() == 0) {                         // taken over since it was read (another replica's write)
                throw fenced(what, selectOne(c.prepare(SELECT_BY_ID), id).orElse(before));
            }
            return selectOne(c.prepare(SELECT_BY_ID), id).orElseThrow();
        });
    }

    private FencedException fenced(String what, JournaledRequest now) {
        return new FencedException("cannot " + what + " request " + now.id() + ": " + now.lease().owner() + " holds it (fencing token "
                + now.lease().token() + "), not this journal (" + owner + "); only its holder writes about it");
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public boolean exclusive() {
        return dialect.exclusive();
    }

    @Override
    public CompletableFuture<Integer> renew() {
        return writer.submit(c -> {
            long until = clock.millis() + lease.toMillis();
            heartbeat(c, until);
            leaseUntil = until;
            PreparedStatement held = c.prepare("SELECT count(*) FROM requests WHERE owner = ? AND state IN ('PENDING', 'IN_FLIGHT')");
            held.setString(1, owner);
            try (ResultSet r = held.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        });
    }

    /** This journal's heartbeat: its row in {@code owners}, its lease ending at {@code until} (0: given up, at close). */
    private void heartbeat(Writer.Statements c, long until) throws SQLException {
        PreparedStatement ps = c.prepare("INSERT INTO owners (owner, lease_until) VALUES (?, ?)"
                + " ON CONFLICT (owner) DO UPDATE SET lease_until = excluded.lease_until");
        ps.setString(1, owner);
        ps.setLong(2, until);
        ps.executeUpdate();
    }

    /**
     * The first heartbeat, before the journal is used: its requests' lease starts now. One that cannot be written (a full
     * disk) is retried at the next renewal; the journal opens for reading all the same.
     */
    final void startLease() {
        leaseUntil = clock.millis() + lease.toMillis();
        long until = leaseUntil;
        writer.submit(c -> {
            heartbeat(c, until);
            return null;
        }).exceptionally(x -> null).join();
    }

    /** At a clean close: the lease given up, so that another replica takes over what is left at once (best effort). */
    final void endLease() {
        try {
            writer.submit(c -> {
                heartbeat(c, 0);
                return null;
            }).join();
        } catch (RuntimeException e) {
            // the database is gone: the lease runs out by itself
        }
    }

    @Override
    public CompletableFuture<List<JournaledRequest>> takeOver(int max) {
        if (max < 1) throw new IllegalArgumentException("max: expected >= 1, was " + max);
        return writer.submit(c -> {
            long now = clock.millis();
            PreparedStatement ps = c.prepare("UPDATE requests SET owner = ?, token = token + 1, state = 'PENDING',"
                    + " last_error = 'taken over from ' || owner || ': its lease ran out' WHERE seq IN (SELECT r.seq FROM requests r"
                    + " WHERE r.state IN ('PENDING', 'IN_FLIGHT') AND r.owner <> ? AND NOT EXISTS (SELECT 1 FROM owners o"
                    + " WHERE o.owner = r.owner AND o.lease_until >= ?) ORDER BY r.seq LIMIT ?" + dialect.skipLocked() + ") RETURNING id");
            ps.setString(1, owner);
            ps.setString(2, owner);
            ps.setLong(3, now);
            ps.setInt(4, max);
            List<String> ids = new ArrayList<>();
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) ids.add(r.getString(1));
            }
            List<JournaledRequest> taken = new ArrayList<>();
            for (String id : ids) taken.add(selectOne(c.prepare(SELECT_BY_ID), id).orElseThrow());
            taken.sort(java.util.Comparator.comparing(JournaledRequest::createdAt));
            return taken;
        });
    }

    @Override
    public CompletableFuture<Integer> prune(Instant now) {
        long before = now.minus(retention).toEpochMilli();
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
        if (closed.get()) throw new JournalException("journal " + name + " is closed", null);
        Connection c = null;
        try {
            c = borrow();
            return read.run(c);
        } catch (SQLException e) {
            throw new JournalException("journal " + name + ": a read failed: " + dialect.describe(e), e);
        } finally {
            if (c != null) giveBack(c);
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
                Optional.ofNullable(r.getString("last_error")), response,
                new Lease(r.getString("owner"), r.getLong("token"), Instant.ofEpochMilli(r.getLong("lease_until"))));
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

    /** Stops the writer after it committed what is queued. */
    void closeWriter() {
        try {
            writer.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

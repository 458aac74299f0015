package dev.supervision.journal;

import dev.supervision.journal.internal.PostgresJournal;
import dev.supervision.journal.internal.SqliteJournal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A durable journal of requests: each is committed before it is sent, and followed to its end. Acknowledged means
 * committed: a write's future completes only once the write is on disk ({@code synchronous=FULL}), and fails with
 * {@link JournalException} when it could not be committed (then nothing it carried may be acknowledged).
 *
 * <p>Threading: every method may be called from any thread, virtual ones included. Writes are queued to one writer
 * thread that commits many together (group commit); their futures complete on that thread, so a caller must not
 * block in a dependent stage. Reads run on the caller's thread with a connection of their own and see every write
 * whose future completed.
 *
 * <p>Ids: the journal assigns each admitted request a unique id (a time-ordered random UUID), which a proxy hands
 * back to the client in a response header.
 */
public interface Journal extends AutoCloseable {

    /**
     * Opens (creating it and its directories if needed) the SQLite journal {@code spec} names, and holds it for this
     * process until {@link #close()}.
     *
     * @throws JournalException naming the file if it is in use by another process, is not a journal (a corrupt file,
     *                          another kind of file), or cannot be created or read; the file is never changed or
     *                          deleted then
     */
    static Journal sqlite(JournalSpec spec) {
        return SqliteJournal.open(spec);
    }

    /**
     * Opens the journal on PostgreSQL that {@code spec} names, creating its schema and tables at first open: the same
     * contract as on SQLite, shared by every process that opens it (the journal of a fleet of replicas).
     *
     * @throws JournalException naming the server and schema if it cannot be reached, refuses the credentials, or holds a
     *                          journal of a newer schema (left as it is)
     */
    static Journal postgres(PostgresJournalSpec spec) {
        return PostgresJournal.open(spec);
    }

    /**
     * Journals a request: a new one is committed as PENDING ({@link Admission.Admitted}); one whose idempotency key is
     * journaled already is answered with that entry ({@link Admission.Duplicate}, the same payload, or
     * {@link Admission.KeyReused}, another payload) and nothing is written.
     */
    CompletableFuture<Admission> admit(NewRequest request);

    /**
     * Marks a request IN_FLIGHT: it is being sent, attempt {@code attempts so far + 1}.
     *
     * <p>This and every other move of an admitted request fail with {@link FencedException} when another journal took the
     * request over (this one's lease ran out); {@link #revive} (an operator's) takes it back.
     */
    CompletableFuture<JournaledRequest> markInFlight(String id);

    /** Stores the response and marks the request COMPLETED. */
    CompletableFuture<JournaledRequest> complete(String id, StoredResponse response);

    /** Marks an IN_FLIGHT request PENDING again (to be replayed), keeping {@code error} as its last error. */
    CompletableFuture<JournaledRequest> requeue(String id, String error);

    /** Marks a request FAILED, with its answer if it had one (a 4xx that is the request's own). */
    CompletableFuture<JournaledRequest> fail(String id, String error, Optional<StoredResponse> response);

    /** Marks a request DEAD_LETTERED with the reason (its attempts used up; poison, with the crash reports). */
    CompletableFuture<JournaledRequest> deadLetter(String id, String reason);

    /**
     * Makes a dead letter or a failed request PENDING again, its attempts and any stored answer cleared: an operator's
     * replay, or a client's retry of a request that was refused before it was sent.
     */
    CompletableFuture<JournaledRequest> revive(String id);

    /**
     * Renews the leases of the unfinished requests this journal owns (done by the journal itself every third of the
     * lease; callable for tests).
     *
     * @return completes with how many were renewed, once committed
     */
    CompletableFuture<Integer> renew();

    /**
     * Takes over, oldest first, at most {@code max} unfinished requests whose owner's lease ran out: each becomes this
     * journal's with a fencing token one higher, an in-flight one pending again, and the former owner's writes about it
     * are refused from then on ({@link FencedException}). What a replica does for a dead one; the caller sends them.
     *
     * @return completes with the requests taken over, once committed
     */
    CompletableFuture<List<JournaledRequest>> takeOver(int max);

    /** This journal's name as the owner of requests ({@link Lease#owner()}). */
    String owner();

    /**
     * Whether this journal alone writes its storage (SQLite: the lock file): then every request in it is this journal's,
     * whoever held it before (a process that is gone); on PostgreSQL, shared by replicas, a request is its holder's.
     */
    boolean exclusive();

    /** The request with this id. */
    Optional<JournaledRequest> get(String id);

    /** The request journaled under this idempotency key. */
    Optional<JournaledRequest> byIdempotencyKey(String key);

    /** Every PENDING and IN_FLIGHT request, oldest first: what a restart replays. */
    List<JournaledRequest> unfinished();

    /** Every dead letter, oldest first. */
    List<JournaledRequest> deadLetters();

    /** How many requests are in each state. */
    JournalCounts counts();

    /**
     * Deletes the COMPLETED and FAILED requests last changed before {@code now} minus the retention; their idempotency
     * keys may then be used again. Also done by the writer once a minute.
     *
     * @return how many were deleted
     */
    CompletableFuture<Integer> prune(Instant now);

    /** Commits what is queued, stops the writer and releases the file. Idempotent; never throws. */
    @Override
    void close();
}

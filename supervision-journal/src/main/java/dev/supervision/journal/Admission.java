package dev.supervision.journal;

/**
 * What {@link Journal#admit} did with a request. Only {@link Admitted} is a new request; the others name the one
 * already journaled under the same idempotency key.
 */
public sealed interface Admission {
    /** The journaled request this admission is about. */
    JournaledRequest entry();

    /** Committed as a new request (PENDING): acknowledged. */
    record Admitted(JournaledRequest entry) implements Admission {}

    /**
     * The same key with the same payload was journaled before: the client retried. Its stored response is the
     * answer once COMPLETED; while unfinished, the retry waits for it.
     */
    record Duplicate(JournaledRequest entry) implements Admission {}

    /** The same key with another payload: a different request reusing a key (422 in the IETF draft). Nothing is stored. */
    record KeyReused(JournaledRequest entry) implements Admission {}
}

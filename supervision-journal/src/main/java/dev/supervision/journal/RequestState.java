package dev.supervision.journal;

/**
 * Where a journaled request stands. PENDING and IN_FLIGHT are unfinished: after a crash of the server, or of this
 * JVM, they are what is replayed. COMPLETED, FAILED and DEAD_LETTERED are final (an operator may replay a dead
 * letter, which makes it PENDING again).
 */
public enum RequestState {
    /** Committed, not sent yet (or sent and to be sent again). */
    PENDING,
    /** Sent upstream; no answer yet. */
    IN_FLIGHT,
    /** Answered; the response is stored. */
    COMPLETED,
    /** Ended without a response that a retry could change (the caller gave up, a 4xx that is the request's own). */
    FAILED,
    /** Given up on after its attempts or as poison (it crashed the server on its own); the reason is stored. */
    DEAD_LETTERED;

    /** Whether the request still waits for an answer (PENDING or IN_FLIGHT). */
    public boolean unfinished() {
        return this == PENDING || this == IN_FLIGHT;
    }
}

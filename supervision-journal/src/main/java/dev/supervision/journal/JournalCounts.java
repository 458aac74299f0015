package dev.supervision.journal;

/**
 * How many requests the journal holds in each state, at one moment.
 *
 * @param pending      PENDING
 * @param inFlight     IN_FLIGHT
 * @param completed    COMPLETED (kept for the retention)
 * @param failed       FAILED (kept for the retention)
 * @param deadLettered DEAD_LETTERED (kept until an operator replays or deletes them)
 */
public record JournalCounts(long pending, long inFlight, long completed, long failed, long deadLettered) {}

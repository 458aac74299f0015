/**
 * The SQLite journal (not exported): {@code SqliteJournal} (opening, the lock, reads on pooled connections) and
 * {@code Writer} (one platform thread that commits queued writes together). Platform threads for the writer: the
 * driver's native calls pin a virtual thread's carrier.
 */
package dev.supervision.journal.internal;

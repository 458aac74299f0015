/**
 * The request journal: {@link dev.supervision.journal.Journal} commits a {@link dev.supervision.journal.NewRequest}
 * before it is sent upstream and follows it through its {@link dev.supervision.journal.RequestState states} to a
 * stored response, a failure or the dead letters. {@link dev.supervision.journal.Journal#sqlite(JournalSpec)} opens
 * the embedded one, an SQLite file (WAL, {@code synchronous=FULL}, group commit from one writer thread). The
 * journal decides nothing about retries: it records what its user (the proxy, a replaying client) did.
 */
package dev.supervision.journal;

/**
 * What every internal package shares (not exported): the process timer thread ({@code ProcessTimers}) and the
 * bound of every duration setting ({@code Durations}). The sub-packages:
 * {@code launch} (posix_spawn, pidfd, epoll, pipes; the JDK's ProcessBuilder elsewhere), {@code tree} (finding a
 * process tree by tag and stopping it, the ledger of launches and the cleanup of a dead run's orphans),
 * {@code memory} (sampling RSS and GPU memory, the guards and the host's brake), {@code output} (the output pump),
 * {@code crash} (the classification engine), {@code run} (one child's start and one incarnation's life).
 *
 * <p>Linux is the supported platform. Elsewhere (macOS) nothing here fails: a tree is found through
 * {@link java.lang.ProcessHandle#descendants()} only, the tag scan finds nothing, start times come from
 * {@link java.lang.ProcessHandle.Info#startInstant()}.
 */
package dev.supervision.process.internal;

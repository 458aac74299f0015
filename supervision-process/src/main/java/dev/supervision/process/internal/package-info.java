/**
 * Process-tree machinery behind process children (not exported): tagging launched processes,
 * finding a process tree again (descendants and the tag scan of {@code /proc}), stopping a whole tree
 * with escalation, and the orphan ledger that lets a new run clean up after a JVM killed with
 * {@code kill -9}.
 *
 * <p>Linux is the supported platform. Elsewhere (macOS) nothing here fails: a tree is found through
 * {@link java.lang.ProcessHandle#descendants()} only, the tag scan finds nothing, start times come from
 * {@link java.lang.ProcessHandle.Info#startInstant()}.
 */
package dev.supervision.process.internal;

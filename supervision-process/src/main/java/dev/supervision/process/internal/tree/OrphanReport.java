package dev.supervision.process.internal.tree;

import java.util.List;

/**
 * What {@link Ledger#cleanupOrphans} found and did: the processes of previous runs of the tree (from the
 * ledger, the tag scan or both), and the stop of their trees.
 *
 * @param tree the tree name
 * @param found the orphans found, each the root of a tree that was stopped
 * @param stop the stop of all their trees (descendants included)
 * @param staleEntries ledger entries of previous runs whose process was already gone, or written in an earlier boot (dropped)
 */
public record OrphanReport(String tree, List<Orphan> found, StopResult stop, int staleEntries) {
    /** Copies the list. */
    public OrphanReport {
        found = List.copyOf(found);
    }

    /**
     * One orphaned process.
     *
     * @param process the process
     * @param child the child id it belonged to
     * @param incarnation its incarnation
     * @param run the JVM run that launched it
     * @param command its command line, empty when unknown
     * @param inLedger whether the ledger listed it
     * @param tagged whether the tag scan found it
     */
    public record Orphan(ProcessRef process, String child, long incarnation, String run, String command,
            boolean inLedger, boolean tagged) {
        @Override
        public String toString() {
            return process + " child '" + child + "' incarnation " + incarnation + " run " + run
                    + (command.isEmpty() ? "" : " [" + command + "]")
                    + (inLedger && tagged ? " (ledger, tag)" : inLedger ? " (ledger)" : " (tag)");
        }
    }

    /** Whether nothing was found (and so nothing was stopped). */
    public boolean nothingFound() {
        return found.isEmpty() && stop.signalled().isEmpty() && stop.killed().isEmpty();
    }

    @Override
    public String toString() {
        return "tree '" + tree + "': " + found.size() + " orphan(s) of previous runs " + found + ", " + stop
                + (staleEntries == 0 ? "" : ", " + staleEntries + " stale ledger entries dropped");
    }
}

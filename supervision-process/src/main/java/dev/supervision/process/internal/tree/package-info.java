/**
 * Process trees (not exported): the tag every launched process carries ({@code ProcessTag}), finding a tree
 * again by its descendants and by the tag scan of {@code /proc} ({@code ProcessScan}), stopping a whole tree
 * with escalation ({@code TreeStopper}, {@code ProcessTree}), and the ledger of launches that lets a new run
 * stop what a JVM killed with {@code kill -9} left behind ({@code Ledger}, {@code Orphans}). A change to how a
 * stop works belongs here.
 */
package dev.supervision.process.internal.tree;

package dev.supervision.process.internal.tree;

import dev.supervision.ChildNotice;
import dev.supervision.process.ProcessEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Cleans up what a dead previous run of a tree left alive, once per tree per JVM, before the first launch. */
public final class Orphans {
    /** Orphans serve nobody: a short grace before SIGKILL. */
    static final Duration ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Map<Path, CompletableFuture<OrphanReport>> CLEANED = new ConcurrentHashMap<>();

    private Orphans() {}

    /**
     * Blocks (call it on a virtual thread) until the tree's orphans are gone; the first caller for a tree
     * runs the cleanup and reports what it found to {@code notices}, later callers just wait for it.
     */
    public static void cleanOnce(Path stateDir, String tree, Consumer<ChildNotice> notices) {
        Path key = stateDir.toAbsolutePath().normalize().resolve(Ledger.fileName(tree));
        CompletableFuture<OrphanReport> mine = new CompletableFuture<>();
        CompletableFuture<OrphanReport> running = CLEANED.putIfAbsent(key, mine);
        if (running != null) {
            running.join();
            return;
        }
        try {
            OrphanReport report = ProcessTree.ledger(stateDir, tree).cleanupOrphans(TreeStopper.SHARED, ORPHAN_STOP_TIMEOUT).join();
            if (!report.nothingFound()) {
                notices.accept(new ProcessEvent.OrphansCleaned(report.found().stream().map(Object::toString).toList()));
            }
            mine.complete(report);
        } catch (RuntimeException e) {
            CLEANED.remove(key, mine);         // let the next start try again
            mine.completeExceptionally(e);
            throw e;
        }
    }
}

package dev.supervision.process.internal.run;

import java.util.concurrent.CompletableFuture;

/**
 * Whether this JVM has begun to shut down (SIGINT, SIGTERM, SIGHUP, {@code System.exit}): a hook registered
 * when the class is first used completes {@link #STARTED}. Used to tell a child that died of the same
 * signal as the JVM (the terminal's Ctrl-C reaches the whole foreground process group; {@code systemctl
 * stop} signals the whole cgroup) from one that crashed. Thread-safe.
 */
final class JvmShutdown {
    /** Completed when the JVM's shutdown hooks start. */
    static final CompletableFuture<Void> STARTED = new CompletableFuture<>();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.complete(null), "supervision-jvm-shutdown"));
        } catch (IllegalStateException alreadyShuttingDown) {
            STARTED.complete(null);
        }
    }

    private JvmShutdown() {}

    /** Registers the hook (class initialisation) before the first child is launched. */
    static void watch() {
        // nothing more: loading the class registered the hook
    }
}

package dev.supervision.spi;

import java.time.Duration;

/**
 * Time source and timer used by supervisors for intensity windows, backoff, circuit cool-downs and
 * timeouts. {@link #system()} uses {@link System#nanoTime()} and a single daemon timer thread;
 * {@link dev.supervision.ManualScheduler} lets tests move time by hand.
 *
 * <p>Implementations must be thread-safe. Tasks run on a scheduler thread and must not block: the
 * supervisor only uses them to post a message to its own loop.
 */
public interface Scheduler {
    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /** Runs {@code task} once after {@code delay}; the returned handle cancels it if not yet run. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        void cancel();
    }

    /** The real clock. */
    static Scheduler system() { return dev.supervision.internal.SystemScheduler.INSTANCE; }
}

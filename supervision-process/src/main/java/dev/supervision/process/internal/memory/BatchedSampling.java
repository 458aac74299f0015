package dev.supervision.process.internal.memory;

import dev.supervision.process.internal.ProcessTimers;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The memory samples of trees without memory limits (taken only for their crash reports' memory at
 * death), run together by one task on the process timer every {@link #INTERVAL}: one wake-up for all
 * such trees rather than one each, which is what an idle supervisor of many processes spends its CPU on.
 * A sample must only read {@code /proc} (tens of microseconds) and must not throw. Thread-safe.
 */
public final class BatchedSampling {
    /** How often the trees are sampled. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Set<Runnable> SAMPLES = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private BatchedSampling() {}

    /**
     * Adds a tree's sample to the batch (its first run is at the next tick, within {@link #INTERVAL}).
     *
     * @return removes it again; idempotent
     */
    public static Runnable add(Runnable sample) {
        SAMPLES.add(sample);
        if (STARTED.compareAndSet(false, true)) ProcessTimers.every(INTERVAL, INTERVAL, BatchedSampling::sampleAll);
        return () -> SAMPLES.remove(sample);
    }

    /** Runs every sample added and not removed (the timer task; tests call it directly). */
    static void sampleAll() {
        for (Runnable sample : SAMPLES) sample.run();
    }
}

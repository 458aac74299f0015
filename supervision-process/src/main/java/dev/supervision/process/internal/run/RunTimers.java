package dev.supervision.process.internal.run;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;

/**
 * The timers of one incarnation, cancelled together when it ends. One added after that (a readiness timer set
 * up after a fast exit, the checks of a start that ended meanwhile) cancels itself: the run marks itself ending
 * before it calls {@link #cancelAll}, and {@link #add} reads that mark after adding. Thread-safe.
 */
final class RunTimers {
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    private final BooleanSupplier ending;

    /** @param ending true once the run is ending */
    RunTimers(BooleanSupplier ending) {
        this.ending = ending;
    }

    void add(ScheduledFuture<?> timer) {
        timers.add(timer);
        if (ending.getAsBoolean()) timer.cancel(false);
    }

    /** Cancels the timers added so far (each removed by itself, so that one added meanwhile stays listed). */
    void cancelAll() {
        for (ScheduledFuture<?> t : timers) {
            t.cancel(false);
            timers.remove(t);
        }
    }
}

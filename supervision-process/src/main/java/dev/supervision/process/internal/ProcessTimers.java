package dev.supervision.process.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread of the process module (probe intervals, readiness by uptime, hang checks).
 * Tasks must not block: blocking work (a probe attempt) runs on a virtual thread.
 */
public final class ProcessTimers {
    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(null, r, "supervision-process-timer", 256 * 1024);
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.setRemoveOnCancelPolicy(true);
    }

    /**
     * Runs file-system checks that may block for long (a heartbeat file on a hung network file system) on
     * platform daemon threads, created as needed and ended after a minute idle: neither the timer thread
     * nor a virtual thread's carrier (a {@code stat} does not unmount it) is held meanwhile.
     */
    public static final ExecutorService FILE_CHECKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(null, r, "supervision-file-check", 256 * 1024);
        t.setDaemon(true);
        return t;
    });

    private ProcessTimers() {}

    /** The timer itself, for a component that schedules its own polls (the shared tree stopper). */
    public static ScheduledExecutorService scheduler() {
        return TIMER;
    }

    public static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return TIMER.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    public static ScheduledFuture<?> every(Duration initialDelay, Duration period, Runnable task) {
        return TIMER.scheduleWithFixedDelay(task, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }
}

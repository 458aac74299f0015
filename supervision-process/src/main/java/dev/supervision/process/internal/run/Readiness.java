package dev.supervision.process.internal.run;

import dev.supervision.Human;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.probe.Probe;
import dev.supervision.spi.ChildContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one incarnation becomes ready: its readiness probe polled every {@code readinessInterval}, a line of
 * its output matched, or {@code startSeconds} of uptime; each failed attempt an event and a debug line, an
 * info line at a slowing cadence while it waits, and, for the start timeout's message, what it still waits
 * for. Thread-safe: attempts complete on probe threads, lines arrive on reader threads.
 */
final class Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);
    /** When a start that is not ready yet is first logged as waiting; each later line comes twice as late, at most a minute. */
    private static final Duration FIRST_WAITING_LOG = Duration.ofSeconds(5);
    private static final Duration LONGEST_WAITING_LOG = Duration.ofMinutes(1);
    static final String AT_LAUNCH = "at launch (no readiness check)";

    /** Told once the process is ready: how it was found ready, and whether it must be alive for that to count. */
    interface Ready {
        void ready(String how, boolean alive);
    }

    private final ProcessSpec spec;
    private final ChildContext ctx;
    private final long pid;
    private final long launchedNanos;
    private final RunTimers timers;
    /** Shared with the liveness probe: no attempt starts while an earlier one's thread is still blocked. */
    private final AtomicBoolean probeInFlight;
    /** True once the run is ready or ending: nothing more to wait for. */
    private final BooleanSupplier settled;
    private final Ready onReady;
    private volatile Pattern readyLine;
    /** Failed attempts so far, and the last one's error (null before the first). */
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile String lastError;

    Readiness(ProcessSpec spec, ChildContext ctx, long pid, long launchedNanos, RunTimers timers, AtomicBoolean probeInFlight,
              BooleanSupplier settled, Ready onReady) {
        this.spec = spec;
        this.ctx = ctx;
        this.pid = pid;
        this.launchedNanos = launchedNanos;
        this.timers = timers;
        this.probeInFlight = probeInFlight;
        this.settled = settled;
        this.onReady = onReady;
        if (spec.readiness().orElse(null) instanceof Probe.LogLine l) readyLine = l.pattern();
    }

    /** Starts waiting: the uptime timer or the probe's polls, and the waiting lines. */
    void start() {
        switch (spec.readiness().orElse(null)) {
            case null -> timers.add(ProcessTimers.after(spec.startSeconds(), () -> onReady.ready(
                    startsAtLaunch() ? AT_LAUNCH : "up for " + Human.duration(spec.startSeconds()), true)));
            case Probe.LogLine l -> { /* matched in onLine */ }
            case Probe polled -> timers.add(ProcessTimers.every(Duration.ZERO, spec.readinessInterval(), () -> {
                if (settled.getAsBoolean() || !probeInFlight.compareAndSet(false, true)) return;
                Probes.attempt(polled, spec.probeTimeout(), () -> probeInFlight.set(false)).whenComplete((failure, e) -> {
                    if (failure == null) onReady.ready(polled.describe(), true);
                    else notReady(polled, failure);
                });
            }));
        }
        if (spec.readiness().isPresent()) logWaiting(FIRST_WAITING_LOG);
    }

    /** No probe and no uptime to wait for: the start is complete at launch, even for a job that has already exited. */
    boolean startsAtLaunch() {
        return spec.readiness().isEmpty() && spec.startSeconds().isZero();
    }

    /** A line of output: ready when it matches the log-line probe. */
    void onLine(CharSequence line) {
        Pattern p = readyLine;
        if (p != null && !settled.getAsBoolean() && p.matcher(line).find()) {
            readyLine = null;
            onReady.ready("log line ~/" + p + "/", true);
        }
    }

    /** A readiness attempt failed: an event and a debug line for each (the info line comes at {@link #logWaiting}'s cadence). */
    private void notReady(Probe probe, String error) {
        if (settled.getAsBoolean()) return;
        int attempt = attempts.incrementAndGet();
        lastError = error;
        Duration waited = Duration.ofNanos(System.nanoTime() - launchedNanos);
        ctx.notify(new ProcessEvent.ReadinessFailed(pid, probe.describe(), error, attempt, waited));
        LOG.debug("process '{}' (pid {}) not ready after {} (attempt {}): {}: {}", ctx.id(), pid, Human.duration(waited),
                attempt, probe.describe(), error);
    }

    /** While not ready: one info line after {@code delay}, then after twice that, and so on, at most a minute apart. */
    private void logWaiting(Duration delay) {
        timers.add(ProcessTimers.after(delay, () -> {
            if (settled.getAsBoolean()) return;
            Duration waited = Duration.ofNanos(System.nanoTime() - launchedNanos);
            String what = waitingFor();
            ctx.notify(new ProcessEvent.NotReadyYet(pid, waited, what));
            LOG.info("process '{}' (pid {}) is not ready after {}; still waiting for {}", ctx.id(), pid, Human.duration(waited), what);
            Duration next = delay.multipliedBy(2);
            logWaiting(next.compareTo(LONGEST_WAITING_LOG) > 0 ? LONGEST_WAITING_LOG : next);
        }));
    }

    /** What the start waits for now, for logs and the start timeout's message ({@link dev.supervision.spi.StartProgress}). */
    String waitingFor() {
        return switch (spec.readiness().orElse(null)) {
            case null -> Human.duration(spec.startSeconds()) + " of uptime";
            case Probe.LogLine l -> "a line matching /" + l.pattern() + "/ on stdout or stderr (none yet)";
            case Probe p -> {
                String last = lastError;
                yield "readiness " + p.describe() + (last == null ? " (no attempt finished yet)"
                        : " (" + attempts.get() + " attempts, last: " + last + ")");
            }
        };
    }
}

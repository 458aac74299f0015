package dev.supervision.process.internal.run;

import dev.supervision.Human;
import dev.supervision.process.ProcessCrash;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.probe.Probe;
import dev.supervision.spi.ChildContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of a ready incarnation, each on the process timer: the liveness probe (failures in a row), output
 * silence, the heartbeat file (read off the timer thread: on a hung network file system the read blocks), and
 * the maximum age. A failed check or the age reached is handed to the run, which decides whether it ends the
 * incarnation (the first reason to end wins). Thread-safe.
 */
final class HangChecks {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessRun.class);

    /** A check failed: what kind of crash it makes, and what it found. */
    interface Failed {
        void failed(ProcessCrash.Kind kind, String detail);
    }

    private final ProcessSpec spec;
    private final ChildContext ctx;
    private final long launchedNanos;
    private final RunTimers timers;
    /** Shared with readiness: no attempt starts while an earlier one's thread is still blocked. */
    private final AtomicBoolean probeInFlight;
    private final BooleanSupplier ending;
    private final Failed onFailed;
    private final Consumer<Duration> onMaxAge;
    private final AtomicInteger livenessFailures = new AtomicInteger();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    /** When the probe attempt in flight ({@link #probeInFlight}) started. */
    private volatile long probeStartedNanos;
    private volatile long readyNanos;
    private volatile long lastOutputNanos = System.nanoTime();

    HangChecks(ProcessSpec spec, ChildContext ctx, long launchedNanos, RunTimers timers, AtomicBoolean probeInFlight,
               BooleanSupplier ending, Failed onFailed, Consumer<Duration> onMaxAge) {
        this.spec = spec;
        this.ctx = ctx;
        this.launchedNanos = launchedNanos;
        this.timers = timers;
        this.probeInFlight = probeInFlight;
        this.ending = ending;
        this.onFailed = onFailed;
        this.onMaxAge = onMaxAge;
    }

    /** A line of output arrived (silence is counted from the last one). */
    void onOutput() {
        lastOutputNanos = System.nanoTime();
    }

    /** Starts every check the spec sets, from the moment the process became ready. */
    void start(long readyNanos) {
        this.readyNanos = readyNanos;
        lastOutputNanos = readyNanos;
        spec.maxAge().ifPresent(age -> timers.add(ProcessTimers.after(age.minus(Duration.ofNanos(readyNanos - launchedNanos)),
                () -> onMaxAge.accept(age))));
        spec.liveness().ifPresent(l -> timers.add(ProcessTimers.every(l.initialDelay(), l.interval(), () -> liveness(l))));
        spec.silenceTimeout().ifPresent(silence -> timers.add(ProcessTimers.every(checkPeriod(silence), checkPeriod(silence), () -> {
            long quiet = System.nanoTime() - lastOutputNanos;
            if (quiet > silence.toNanos()) {
                onFailed.failed(ProcessCrash.Kind.SILENCE, "no output for " + Human.duration(Duration.ofMillis(quiet / 1_000_000))
                        + " (silenceTimeout " + Human.duration(silence) + ")");
            }
        })));
        spec.heartbeat().ifPresent(hb -> timers.add(ProcessTimers.every(checkPeriod(hb.maxAge()), checkPeriod(hb.maxAge()), () -> {
            if (ending.getAsBoolean() || !heartbeatInFlight.compareAndSet(false, true)) return;
            ProcessTimers.FILE_CHECKS.execute(() -> {
                try {
                    heartbeat(hb);
                } finally {
                    heartbeatInFlight.set(false);
                }
            });
        })));
    }

    private void liveness(Probe.Liveness l) {
        if (ending.getAsBoolean()) return;
        if (!probeInFlight.compareAndSet(false, true)) {
            // An earlier attempt's thread still blocked past its timeout (a hung mount, a DNS lookup): as
            // Kubernetes counts each period without a passing probe, this tick fails too.
            if (System.nanoTime() - probeStartedNanos > l.timeout().toNanos()) {
                livenessFailed(l, "an earlier attempt is still running after its timeout of " + l.timeout());
            }
            return;
        }
        probeStartedNanos = System.nanoTime();
        Probes.attempt(l.probe(), l.timeout(), () -> probeInFlight.set(false)).whenComplete((failure, e) -> {
            if (failure == null) {
                livenessFailures.set(0);
                return;
            }
            livenessFailed(l, failure);
        });
    }

    private void livenessFailed(Probe.Liveness l, String failure) {
        int n = livenessFailures.incrementAndGet();
        ctx.notify(new ProcessEvent.ProbeFailed(l.probe().describe(), failure, n, l.failureThreshold()));
        if (n >= l.failureThreshold()) {
            onFailed.failed(ProcessCrash.Kind.LIVENESS, "liveness " + l.probe().describe() + " failed " + n
                    + " times in a row, last: " + failure);
        }
    }

    private void heartbeat(ProcessSpec.Heartbeat hb) {
        long ageMillis;
        try {
            long modified = Files.getLastModifiedTime(hb.file()).toMillis();
            ageMillis = Math.min(System.currentTimeMillis() - modified, (System.nanoTime() - readyNanos) / 1_000_000);
        } catch (NoSuchFileException none) {
            ageMillis = (System.nanoTime() - readyNanos) / 1_000_000;
        } catch (IOException e) {
            LOG.warn("process '{}': cannot read heartbeat file {}: {}", ctx.id(), hb.file(), e.toString());
            return;
        }
        if (ageMillis > hb.maxAge().toMillis()) {
            onFailed.failed(ProcessCrash.Kind.HEARTBEAT, "heartbeat " + hb.file() + " not touched for "
                    + Human.duration(Duration.ofMillis(ageMillis)) + " (maxAge " + Human.duration(hb.maxAge()) + ")");
        }
    }

    /** A quarter of the limit, at most a second, at least a millisecond. */
    private static Duration checkPeriod(Duration limit) {
        Duration quarter = limit.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
                : quarter.isZero() ? Duration.ofMillis(1) : quarter;
    }
}

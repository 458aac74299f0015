package dev.supervision.process.internal.memory;

import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host memory floor ("emergency brake"), one per host-wide set of supervised trees (share one
 * instance across every process child of the JVM). Below the floor it restarts the candidate with the
 * largest tree RSS (the offender, not whatever asked for memory last: in one user's system the trials
 * were killed 951 times while the workers held the memory), waits the cool-down, checks that the brake
 * freed at least {@link HostMemoryFloor#minRecoveredBytes()}, and after
 * {@link HostMemoryFloor#maxUselessBrakes()} useless brakes in a row stops braking and raises
 * {@link Outcome.GaveUp} once, until memory is back above the floor (which resets every counter).
 *
 * <p>Threading: {@link #check()} may be called from any thread; calls are serialised by a lock. It reads
 * {@code /proc/meminfo} and each candidate's memory (a few file reads per process) and calls one
 * candidate's {@link Candidate#restart} at most, which must not block (post a message to the child).
 * {@link #start()} runs {@code check()} every interval on the {@link Scheduler}'s thread; the listener is
 * called there with every outcome other than {@link Outcome.AboveFloor} and {@link Outcome.CoolingDown}.
 * Time comes only from the scheduler, so tests drive it with {@code ManualScheduler}.
 */
public final class EmergencyBrake implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmergencyBrake.class);
    private final HostMemoryFloor floor;
    private final Scheduler scheduler;
    private final Supplier<Optional<HostMemory.Snapshot>> host;
    private final Consumer<Outcome> listener;
    private final List<Candidate> candidates = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private long lastBrakeAt;
    private long availableBeforeBrake = -1;
    private int consecutive;
    private int useless;
    private boolean gaveUp;
    private boolean reportedUnsupported;
    private Scheduler.Cancellable timer;
    private boolean closed;

    /** A supervised tree the brake may restart. */
    public interface Candidate {
        /** A name for reports (the child's id). */
        String name();

        /** The tree's memory now, or empty if it is not running (such a candidate is never chosen). */
        Optional<MemorySampler.TreeMemory> memory();

        /** Restart the tree because of {@code trip}; must not block. Not counted as a crash by the caller. */
        void restart(GuardTrip trip);
    }

    /** What one check did. */
    public sealed interface Outcome {
        /** Available memory is at or above the floor; every counter is reset. */
        record AboveFloor(long availableBytes, long floorBytes) implements Outcome {}

        /** Below the floor: restarted {@code candidate}; {@code consecutive} brakes since memory was last above. */
        record Braked(String candidate, GuardTrip trip, long candidateRssBytes, int consecutive) implements Outcome {}

        /** A brake happened less than the cool-down ago: nothing done. */
        record CoolingDown(Duration left) implements Outcome {}

        /** Below the floor but no running candidate to restart. */
        record NoCandidate(long availableBytes, long floorBytes) implements Outcome {}

        /**
         * The alert: {@code uselessBrakes} brakes in a row freed too little; braking is suspended until memory
         * is back above the floor. Raised once per episode; while suspended, checks answer {@link Suspended}.
         */
        record GaveUp(int uselessBrakes, long availableBytes, long floorBytes) implements Outcome {}

        /** Below the floor, braking suspended after {@link GaveUp}. */
        record Suspended(long availableBytes, long floorBytes) implements Outcome {}

        /** This platform cannot tell available memory; the periodic check tells the listener once. */
        record Unsupported() implements Outcome {}
    }

    /**
     * @param floor     the settings
     * @param scheduler the clock and timer ({@link Scheduler#system()} in production)
     * @param host      the host reading ({@link HostMemory#read} in production)
     * @param listener  told of brakes, alerts and the rest (see the class documentation)
     */
    public EmergencyBrake(HostMemoryFloor floor, Scheduler scheduler, Supplier<Optional<HostMemory.Snapshot>> host,
                          Consumer<Outcome> listener) {
        this.floor = Objects.requireNonNull(floor, "floor");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.host = Objects.requireNonNull(host, "host");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Adds a candidate; the returned handle removes it (call it when the child stops for good). */
    public Runnable add(Candidate candidate) {
        candidates.add(Objects.requireNonNull(candidate, "candidate"));
        return () -> candidates.remove(candidate);
    }

    /** Checks every {@link HostMemoryFloor#interval()} from now until {@link #close()}. */
    public void start() {
        lock.lock();
        try {
            if (timer == null && !closed) {
                timer = scheduler.schedule(floor.interval(), this::tick);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the periodic checks. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (timer != null) {
                timer.cancel();
            }
        } finally {
            lock.unlock();
        }
    }

    private void tick() {
        try {
            Outcome o = check();
            boolean tell = !(o instanceof Outcome.AboveFloor || o instanceof Outcome.CoolingDown);
            lock.lock();
            try {
                if (o instanceof Outcome.Unsupported) {
                    tell = !reportedUnsupported;
                    reportedUnsupported = true;
                }
            } finally {
                lock.unlock();
            }
            if (tell) {
                listener.accept(o);
            }
        } catch (RuntimeException e) {
            // The next check must come whatever this one hit: one exception must not end the floor for good.
            LOG.warn("host memory floor: a check failed; checking again in {}", floor.interval(), e);
        } finally {
            lock.lock();
            try {
                if (!closed) {
                    timer = scheduler.schedule(floor.interval(), this::tick);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** One check now (see the class documentation). */
    public Outcome check() {
        lock.lock();
        try {
            Optional<HostMemory.Snapshot> snap = host.get();
            if (snap.isEmpty()) {
                return new Outcome.Unsupported();
            }
            long now = scheduler.nanoTime();
            long available = snap.get().availableBytes();
            long floorBytes = floor.floorFor(snap.get().totalBytes());
            if (availableBeforeBrake >= 0) {
                long left = lastBrakeAt + floor.coolDown().toNanos() - now;
                if (left > 0) {
                    return new Outcome.CoolingDown(Duration.ofNanos(left));
                }
                useless = available - availableBeforeBrake >= floor.minRecoveredBytes() ? 0 : useless + 1;
                availableBeforeBrake = -1;
            }
            if (available >= floorBytes) {
                consecutive = 0;
                useless = 0;
                gaveUp = false;
                return new Outcome.AboveFloor(available, floorBytes);
            }
            if (gaveUp) {
                return new Outcome.Suspended(available, floorBytes);
            }
            if (useless >= floor.maxUselessBrakes()) {
                gaveUp = true;
                return new Outcome.GaveUp(useless, available, floorBytes);
            }
            Candidate victim = null;
            MemorySampler.TreeMemory victimMemory = null;
            for (Candidate c : new ArrayList<>(candidates)) {
                Optional<MemorySampler.TreeMemory> m = c.memory();
                if (m.isPresent() && (victimMemory == null || m.get().rssBytes() > victimMemory.rssBytes())) {
                    victim = c;
                    victimMemory = m.get();
                }
            }
            if (victim == null) {
                return new Outcome.NoCandidate(available, floorBytes);
            }
            GuardTrip trip = new GuardTrip(GuardTrip.Kind.HOST_MEMORY_FLOOR, available, floorBytes, victimMemory.pids());
            consecutive++;
            lastBrakeAt = now;
            availableBeforeBrake = available;
            victim.restart(trip);
            return new Outcome.Braked(victim.name(), trip, victimMemory.rssBytes(), consecutive);
        } finally {
            lock.unlock();
        }
    }
}

package dev.supervision.process.internal.memory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Before restarting a tree that died for want of host memory ({@code CrashAction.WaitForMemoryThenRestart},
 * e.g. Python's {@code MemoryError}): waits, bounded, until the host's available memory is at least what
 * the tree held at its last sample, so the restart does not die the same way at once.
 *
 * <p>Blocks the calling thread (a launch's virtual thread), polling the reading every {@code poll}.
 * Stateless; thread-safe. Time comes from {@code nanoTime} and the pause from {@code sleep}, so tests
 * drive it without waiting.
 */
public final class HostMemoryWait {
    /** What the wait ended with. {@code waited} is zero when the memory was there at once. */
    public record Outcome(boolean available, Duration waited, long neededBytes, long availableBytes) {}

    /** Pauses the calling thread; {@link Thread#sleep(long)} in production. */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private HostMemoryWait() {}

    /**
     * Waits until {@code host} reports at least {@code neededBytes} available, at most {@code timeout}.
     * Empty when the platform cannot tell (nothing to wait for).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public static Optional<Outcome> await(long neededBytes, Duration timeout, Duration poll, Supplier<Optional<HostMemory.Snapshot>> host,
                                   LongSupplier nanoTime, Sleeper sleeper) throws InterruptedException {
        long start = nanoTime.getAsLong();
        boolean slept = false;
        while (true) {
            Optional<HostMemory.Snapshot> s = host.get();
            if (s.isEmpty()) return Optional.empty();
            Duration waited = slept ? Duration.ofNanos(nanoTime.getAsLong() - start) : Duration.ZERO;
            long available = s.get().availableBytes();
            if (available >= neededBytes) return Optional.of(new Outcome(true, waited, neededBytes, available));
            if (waited.compareTo(timeout) >= 0) return Optional.of(new Outcome(false, waited, neededBytes, available));
            sleeper.sleep(Math.max(1, Math.min(poll.toMillis(), timeout.minus(waited).toMillis())));
            slept = true;
        }
    }
}

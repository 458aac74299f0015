package dev.supervision.process.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The wait for host memory after a {@code MemoryError}-style crash. The host readings are FAKE (a
 * scripted sequence): a host cannot be made to run out of memory safely in a test. Time is manual.
 */
class HostMemoryWaitTest {
    private static final long GIB = 1L << 30;
    private long now;

    private Optional<HostMemoryWait.Outcome> await(long needed, Duration timeout, List<Long> availableReadings) throws InterruptedException {
        Deque<Long> readings = new ArrayDeque<>(availableReadings);
        return HostMemoryWait.await(needed, timeout, Duration.ofMillis(250),
                () -> Optional.of(new HostMemory.Snapshot(readings.size() > 1 ? readings.poll() : readings.peek(), 64 * GIB)),
                () -> now, millis -> now += millis * 1_000_000);
    }

    @Test
    void memoryThereAlreadyMeansNoWait() throws InterruptedException {
        assertThat(await(4 * GIB, Duration.ofSeconds(60), List.of(10 * GIB)))
                .contains(new HostMemoryWait.Outcome(true, Duration.ZERO, 4 * GIB, 10 * GIB));
    }

    @Test
    void waitsUntilTheHostHasWhatTheDeadTreeHeld() throws InterruptedException {
        assertThat(await(4 * GIB, Duration.ofSeconds(60), List.of(1 * GIB, 2 * GIB, 3 * GIB, 5 * GIB)))
                .contains(new HostMemoryWait.Outcome(true, Duration.ofMillis(750), 4 * GIB, 5 * GIB));
    }

    @Test
    void givesUpAtTheTimeoutSayingHowMuchWasThere() throws InterruptedException {
        assertThat(await(4 * GIB, Duration.ofSeconds(1), List.of(1 * GIB)))
                .contains(new HostMemoryWait.Outcome(false, Duration.ofSeconds(1), 4 * GIB, 1 * GIB));
    }

    @Test
    void aPlatformThatCannotTellIsNotWaitedFor() throws InterruptedException {
        assertThat(HostMemoryWait.await(4 * GIB, Duration.ofSeconds(60), Duration.ofMillis(250), Optional::empty,
                () -> now, millis -> now += millis * 1_000_000)).isEmpty();
    }
}

package dev.supervision.process.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchedSamplingTest {
    @Test
    void oneRunSamplesEveryTreeAddedAndNoneRemoved() {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        Runnable removeFirst = BatchedSampling.add(first::incrementAndGet);
        Runnable removeSecond = BatchedSampling.add(second::incrementAndGet);
        try {
            BatchedSampling.sampleAll();
            assertThat(first.get()).isEqualTo(1);
            assertThat(second.get()).isEqualTo(1);

            removeFirst.run();
            removeFirst.run();                                     // idempotent
            BatchedSampling.sampleAll();
            assertThat(first.get()).isEqualTo(1);
            assertThat(second.get()).isEqualTo(2);
        } finally {
            removeFirst.run();
            removeSecond.run();
        }
    }
}

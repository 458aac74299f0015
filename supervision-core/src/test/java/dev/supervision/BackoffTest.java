package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void exponentialDoublesUpToTheCapAsTheSeedsAsk() {
        Backoff b = Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(60));
        assertThat(java.util.stream.IntStream.range(0, 8).mapToObj(n -> b.delay(n, 0).toSeconds()).toList())
                .containsExactly(2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void jitterNeverExceedsTheCap() {
        Backoff b = Backoff.exponential(Duration.ofSeconds(10), Duration.ofMinutes(5)).withJitter(0.5);
        for (int n = 0; n < 40; n++) {
            for (double r : new double[] {0, 0.3, 0.999999}) {
                Duration d = b.delay(n, r);
                assertThat(d).isLessThanOrEqualTo(Duration.ofMinutes(5)).isPositive();
            }
        }
        assertThat(b.delay(0, 0.999999)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void noneIsImmediateAndFixedIsConstant() {
        assertThat(Backoff.none().delay(7, 0.5)).isZero();
        assertThat(Backoff.fixed(Duration.ofMillis(300)).delay(9, 0.5)).isEqualTo(Duration.ofMillis(300));
    }
}

package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanTest {
    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Human.duration(Duration.ofNanos(492_577_684))).isEqualTo("492 ms");
        assertThat(Human.duration(Duration.ofNanos(350_000))).isEqualTo("0.4 ms");
        assertThat(Human.duration(Duration.ofMillis(3))).isEqualTo("3 ms");
        assertThat(Human.duration(Duration.ZERO)).isEqualTo("0 ms");
        assertThat(Human.duration(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(Human.duration(Duration.ofMillis(1000))).isEqualTo("1 s");
        assertThat(Human.duration(Duration.ofMillis(12_700))).isEqualTo("12 s");
        assertThat(Human.duration(Duration.ofMinutes(5))).isEqualTo("5 min");
        assertThat(Human.duration(Duration.ofSeconds(303))).isEqualTo("5 min 3 s");
        assertThat(Human.duration(Duration.ofMinutes(30))).isEqualTo("30 min");
        assertThat(Human.duration(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
        assertThat(Human.duration(Duration.ofHours(76))).isEqualTo("3 d 4 h");
        assertThat(Human.duration(Duration.ofDays(36_525))).isEqualTo("36525 d");
        assertThat(Human.duration(Duration.ofSeconds(-2))).isEqualTo("-2 s");
    }

    @Test
    void bytesReadInBinaryUnits() {
        assertThat(Human.bytes(900)).isEqualTo("900 B");
        assertThat(Human.bytes(512L << 10)).isEqualTo("512 KiB");
        assertThat(Human.bytes(430L << 20)).isEqualTo("430 MiB");
        assertThat(Human.bytes(3L << 29)).isEqualTo("1.5 GiB");
        assertThat(Human.bytes(105_000_960)).isEqualTo("100 MiB");
        assertThat(Human.bytes(Long.MAX_VALUE)).isEqualTo("8 EiB");
    }
}

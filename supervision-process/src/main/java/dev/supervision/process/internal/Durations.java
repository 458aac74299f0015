package dev.supervision.process.internal;

import java.time.Duration;

/** The upper bound every duration setting of this package shares. */
public final class Durations {
    /**
     * The longest duration a setting accepts, 100 years: timers count in nanoseconds, which a {@code long}
     * holds for 292 years, and "never" is an absent setting, not a huge one.
     */
    static final Duration MAX = Duration.ofDays(36_525);

    private Durations() {}

    /**
     * @throws IllegalArgumentException naming {@code field} if {@code d} is longer than {@link #MAX}
     */
    public static void atMostMax(String field, Duration d) {
        if (d != null && d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(field + ": expected at most 100 years (" + MAX + "), was " + d);
        }
    }
}

package dev.supervision;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations and sizes as people write them, for log lines, messages and rendered trees: {@code 492 ms},
 * {@code 1.5 s}, {@code 12 s}, {@code 5 min 3 s}, {@code 2 h 5 min}; {@code 430 MiB}, {@code 1.5 GiB}.
 * Never {@code PT0.492577684S}. Stateless and thread-safe.
 */
public final class Human {
    private Human() {}

    /**
     * A duration in its largest sensible unit: below a second in milliseconds (one decimal below 10 ms), below
     * a minute in seconds (one decimal below 10 s), then minutes and seconds, hours and minutes, days and hours.
     * A negative duration reads as its absolute value with a minus sign.
     */
    public static String duration(Duration d) {
        if (d.isNegative()) return "-" + duration(d.negated());
        long nanos = d.getSeconds() < 1_000_000 ? d.toNanos() : Long.MAX_VALUE;
        if (nanos < 10_000_000L) return trim(String.format(Locale.ROOT, "%.1f", nanos / 1e6)) + " ms";
        if (nanos < 1_000_000_000L) return nanos / 1_000_000 + " ms";
        if (nanos < 10_000_000_000L) return trim(String.format(Locale.ROOT, "%.1f", nanos / 1e9)) + " s";
        long s = d.getSeconds();
        if (s < 60) return s + " s";
        if (s < 3600) return s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
        if (s < 86_400) return s / 3600 + " h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + " min");
        return s / 86_400 + " d" + (s % 86_400 / 3600 == 0 ? "" : " " + s % 86_400 / 3600 + " h");
    }

    /** A byte count in binary units: {@code 900 B}, {@code 512 KiB}, {@code 1.5 GiB} (one decimal below 10 of a unit). */
    public static String bytes(long n) {
        if (n < 0) return "-" + bytes(-n);
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        double v = n;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) return n + " B";
        return (v < 10 ? trim(String.format(Locale.ROOT, "%.1f", v)) : String.valueOf(Math.round(v))) + " " + units[u];
    }

    private static String trim(String decimal) {
        return decimal.endsWith(".0") ? decimal.substring(0, decimal.length() - 2) : decimal;
    }
}

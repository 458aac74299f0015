package dev.supervision.examples.bench;

import java.util.Arrays;
import java.util.Locale;

/** Samples of the process harnesses (nanoseconds, or any other unit), summarised as percentiles. */
final class Samples {
    private long[] values = new long[64];
    private int size;

    /** Adds one sample. */
    void add(long nanos) {
        if (size == values.length) values = Arrays.copyOf(values, size * 2);
        values[size++] = nanos;
    }

    int size() { return size; }

    /** The nearest-rank percentile {@code p} (0 &lt; p &le; 100); NaN without samples. */
    double percentile(double p) {
        if (size == 0) return Double.NaN;
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }

    double median() { return percentile(50); }

    /** Percentile {@code p} of nanosecond samples, in milliseconds. */
    double percentileMillis(double p) { return percentile(p) / 1e6; }

    double medianMillis() { return percentileMillis(50); }

    /** {@code median / p90 / p99} of nanosecond samples in milliseconds, fixed width. */
    String summary() {
        return String.format(Locale.ROOT, "%8.3f %8.3f %8.3f", medianMillis(), percentileMillis(90), percentileMillis(99));
    }
}

package dev.supervision.process.crash;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** {@link RestartAdvisor#stepDown(String, double, double, Set)}. */
final class StepDown implements RestartAdvisor {
    private final String flag;
    private final BigDecimal step;
    private final BigDecimal floor;
    private final Set<String> kinds;

    StepDown(String flag, double step, double floor, Set<String> kinds) {
        this.flag = notBlank("flag", flag);
        if (!(step > 0) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("step must be positive and finite, was " + step);
        }
        if (!Double.isFinite(floor)) {
            throw new IllegalArgumentException("floor must be finite, was " + floor);
        }
        this.kinds = Set.copyOf(Objects.requireNonNull(kinds, "kinds"));
        if (this.kinds.isEmpty()) {
            throw new IllegalArgumentException("kinds must not be empty, was []");
        }
        // valueOf goes through Double.toString: 0.05 stays 0.05, not 0.05000000000000000277
        this.step = BigDecimal.valueOf(step);
        this.floor = BigDecimal.valueOf(floor);
    }

    @Override
    public LaunchPlan advise(LaunchPlan previous, Optional<CrashReport> lastCrash) {
        if (lastCrash.isEmpty() || !kinds.contains(lastCrash.get().kind())) {
            return previous;
        }
        String value = previous.flagValue(flag);
        if (value == null) {
            return previous;
        }
        BigDecimal current;
        try {
            current = new BigDecimal(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number to step it down, was '" + value + "'", e);
        }
        if (current.compareTo(floor) <= 0) {
            return previous;
        }
        BigDecimal next = current.subtract(step).max(floor);
        return previous.withFlag(flag, next.stripTrailingZeros().toPlainString());
    }

    static String notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was " + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    @Override
    public String toString() {
        return "stepDown(" + flag + " by " + step + " to " + floor + " after " + kinds + ")";
    }
}

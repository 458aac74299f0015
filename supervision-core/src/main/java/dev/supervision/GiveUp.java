package dev.supervision;

import java.time.Duration;
import java.util.Objects;

/**
 * What a supervisor does when restart intensity is exceeded.
 *
 * <p>{@link Escalate} is OTP: stop every child in reverse order and terminate with reason
 * {@code shutdown: reached_max_restart_intensity}, which the parent sees as this child's exit.
 * {@link CircuitBreaker} instead opens a circuit for the child whose exit exceeded the limit: it stays
 * down for {@code coolDown}, then one trial start (half-open); if that run stays up for
 * {@code stableFor} the circuit closes, if it exits earlier the circuit opens again. The supervisor
 * and its other children keep running.
 */
public sealed interface GiveUp {
    record Escalate() implements GiveUp {}

    record CircuitBreaker(Duration coolDown, Duration stableFor) implements GiveUp {
        public CircuitBreaker {
            Objects.requireNonNull(coolDown, "coolDown");
            Objects.requireNonNull(stableFor, "stableFor");
            if (coolDown.isZero() || coolDown.isNegative()) {
                throw new IllegalArgumentException("circuit coolDown must be > 0, was " + coolDown);
            }
            if (stableFor.isZero() || stableFor.isNegative()) {
                throw new IllegalArgumentException("circuit stableFor must be > 0, was " + stableFor);
            }
        }
    }

    static GiveUp escalate() { return new Escalate(); }

    static GiveUp circuitBreaker(Duration coolDown, Duration stableFor) { return new CircuitBreaker(coolDown, stableFor); }
}

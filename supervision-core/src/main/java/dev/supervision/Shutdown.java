package dev.supervision;

import java.time.Duration;
import java.util.Objects;

/**
 * How a child is stopped: OTP's {@code shutdown} field.
 *
 * <p>{@link BrutalKill} stops the child forcibly at once; {@link Timeout} asks politely and stops it
 * forcibly after the timeout; {@link Infinity} asks politely and waits for ever (the default for
 * supervisors). A worker thread that ignores interruption cannot be killed by the JVM: it is reported
 * through {@link SupervisorEvent.ChildAbandoned} and the supervisor goes on.
 */
public sealed interface Shutdown {
    /** Forced stop at once. */
    record BrutalKill() implements Shutdown {}

    /** Polite stop, forced after {@code timeout}. */
    record Timeout(Duration timeout) implements Shutdown {
        public Timeout {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("shutdown timeout must be > 0, was " + timeout);
            }
        }
    }

    /** Polite stop, waiting as long as it takes. */
    record Infinity() implements Shutdown {}

    static Shutdown brutalKill() { return new BrutalKill(); }

    static Shutdown timeout(Duration timeout) { return new Timeout(timeout); }

    static Shutdown infinity() { return new Infinity(); }
}

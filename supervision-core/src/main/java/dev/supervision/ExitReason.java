package dev.supervision;

import java.util.Objects;

/**
 * Why a child (or a supervisor) exited.
 *
 * <p>OTP mapping: {@link Normal} is {@code normal}; {@link Shutdown} is {@code shutdown} /
 * {@code {shutdown, Detail}} (a stop that was asked for, or a supervisor that gave up); everything
 * else is a {@link Failure}. A TRANSIENT child is restarted only after a {@link Failure}.
 */
public sealed interface ExitReason {
    /** Finished normally (a worker function returned). */
    record Normal() implements ExitReason {
        @Override public String toString() { return "normal"; }
    }

    /** Stopped on request, or a supervisor that shut down; {@code detail} says why. */
    record Shutdown(String detail) implements ExitReason {
        public Shutdown { Objects.requireNonNull(detail, "detail"); }
        @Override public String toString() { return detail.isEmpty() ? "shutdown" : "shutdown: " + detail; }
    }

    /** Crashed; {@code cause} carries the throwable or a description of the failure. */
    record Failure(Throwable cause) implements ExitReason {
        public Failure { Objects.requireNonNull(cause, "cause"); }
        @Override public String toString() { return "failure: " + cause; }
    }

    ExitReason NORMAL = new Normal();
    ExitReason SHUTDOWN = new Shutdown("");

    /** True for {@link Normal} and {@link Shutdown}: the exits after which a TRANSIENT child stays down. */
    default boolean isNormalOrShutdown() { return !(this instanceof Failure); }
}

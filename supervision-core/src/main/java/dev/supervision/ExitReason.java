package dev.supervision;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a child (or a supervisor) exited.
 *
 * <p>OTP mapping: {@link Normal} is {@code normal}; {@link Shutdown} is {@code shutdown} /
 * {@code {shutdown, Detail}} (a stop that was asked for, or a supervisor that gave up); everything
 * else is a {@link Failure}. A TRANSIENT child is restarted only after a {@link Failure}.
 *
 * <p>Beyond OTP, a child may classify its own exit: {@link RestartNow} (restart at once, no backoff,
 * not counted toward the intensity) and {@link Fatal} (never restart, mark the child FAILED). OS
 * process children use them for their restart-now and fatal exit-code sets.
 */
public sealed interface ExitReason {
    /** Finished normally (a worker function returned). */
    record Normal() implements ExitReason {
        @Override public String toString() { return "normal"; }
    }

    /**
     * Stopped on request, or a supervisor that shut down; {@code detail} says why, as OTP's
     * {@code {shutdown, Detail}} does: {@code reached_max_restart_intensity}, {@code auto_shutdown},
     * {@code failed_to_start_child} (then {@code cause} is the {@link SupervisorException} that names the
     * child and carries its start error), {@code abandoned}, or empty for a plain stop.
     */
    record Shutdown(String detail, Optional<Throwable> cause) implements ExitReason {
        public Shutdown {
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(cause, "cause");
        }

        /** A shutdown with no cause. */
        public Shutdown(String detail) { this(detail, Optional.empty()); }

        @Override public String toString() {
            String text = detail.isEmpty() ? "shutdown" : "shutdown: " + detail;
            return cause.map(c -> text + " (" + c.getMessage() + ")").orElse(text);
        }
    }

    /** Crashed; {@code cause} carries the throwable or a description of the failure. */
    record Failure(Throwable cause) implements ExitReason {
        public Failure { Objects.requireNonNull(cause, "cause"); }
        @Override public String toString() { return "failure: " + cause; }
    }

    /**
     * Exited asking to be restarted at once (for example an OS process exiting with a restart-now
     * code). The child (and, per the strategy, its group) is restarted without backoff unless it is
     * TEMPORARY; this restart is not counted toward the intensity. {@code detail} says why.
     */
    record RestartNow(String detail) implements ExitReason {
        public RestartNow { Objects.requireNonNull(detail, "detail"); }
        @Override public String toString() { return "restart requested: " + detail; }
    }

    /**
     * Exited with a failure that a restart cannot fix (a configuration error, a fatal exit code): the
     * child is never restarted, whatever its restart type, and is marked FAILED; its siblings are left
     * alone and nothing is counted toward the intensity.
     */
    record Fatal(Throwable cause) implements ExitReason {
        public Fatal { Objects.requireNonNull(cause, "cause"); }
        @Override public String toString() { return "fatal: " + cause; }
    }

    ExitReason NORMAL = new Normal();
    ExitReason SHUTDOWN = new Shutdown("");

    /** True for {@link Normal} and {@link Shutdown}: the exits after which a TRANSIENT child stays down. */
    default boolean isNormalOrShutdown() { return this instanceof Normal || this instanceof Shutdown; }
}

package dev.supervision;

import dev.supervision.internal.SupervisorRuntime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A running supervisor. All methods are thread-safe: each is a message to the supervisor's own event
 * loop, answered through the returned future, so a slow child start never blocks a query or a stop.
 *
 * <p>OTP error cases complete the future exceptionally with {@link SupervisorException}:
 * {@code already_present}, {@code running}, {@code restarting}, {@code not_found}, {@code max_children}
 * and {@code terminated} (the supervisor is gone).
 */
public interface Supervisor extends AutoCloseable {

    /**
     * Starts a supervisor and its children in order, each after the previous one is started, and
     * waits for that. If a child fails to start, the started ones are stopped in reverse order and
     * this throws {@link SupervisorException} with the cause.
     */
    static Supervisor start(SupervisorSpec spec) {
        return SupervisorRuntime.startRoot(spec).join();
    }

    /** Like {@link #start} without waiting: the future completes when all children are started. */
    static CompletableFuture<Supervisor> startAsync(SupervisorSpec spec) {
        return SupervisorRuntime.startRoot(spec);
    }

    String name();

    /** Adds and starts a child (OTP {@code start_child}); the future completes once it is started. */
    CompletableFuture<Void> startChild(ChildSpec spec);

    /** Adds and starts a child with a per-start argument available in its {@code ChildContext}. */
    CompletableFuture<Void> startChild(ChildSpec spec, Object argument);

    /** Stops a child and keeps its spec (OTP {@code terminate_child}). */
    CompletableFuture<Void> terminateChild(String id);

    /** Starts a stopped child again (OTP {@code restart_child}). */
    CompletableFuture<Void> restartChild(String id);

    /** Removes the spec of a stopped child (OTP {@code delete_child}). */
    CompletableFuture<Void> deleteChild(String id);

    CompletableFuture<List<ChildInfo>> whichChildren();

    CompletableFuture<ChildCounts> countChildren();

    /** A snapshot of this supervisor and all nested supervisors. */
    CompletableFuture<TreeSnapshot> snapshot();

    /** Stops all children in reverse start order, then the supervisor; completes with its exit reason. */
    CompletableFuture<ExitReason> stop();

    /** Completes when the supervisor has terminated, for whatever reason. */
    CompletableFuture<ExitReason> termination();

    /** Blocks until the supervisor has terminated and returns why. */
    default ExitReason awaitTermination() { return termination().join(); }

    /** Stops the supervisor and waits, at most {@code timeout}. */
    default ExitReason stop(Duration timeout) {
        try {
            return stop().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            throw new SupervisorException("timeout", "supervisor '" + name() + "' did not stop within " + timeout, e);
        }
    }

    /** Same as {@code stop().join()}. */
    @Override
    default void close() { stop().join(); }

    /** OTP's count_children. */
    record ChildCounts(int specs, int active, int supervisors, int workers) {}
}

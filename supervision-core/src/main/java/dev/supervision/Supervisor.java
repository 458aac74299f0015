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
 * {@code already_started}, {@code already_present}, {@code running}, {@code restarting}, {@code not_found},
 * {@code max_children}, {@code simple_one_for_one} (a call by id to a {@linkplain SupervisorSpec#dynamic
 * dynamic} supervisor, whose children are addressed by {@link ChildRef}) and {@code terminated} (the
 * supervisor is gone).
 */
public interface Supervisor extends AutoCloseable {

    /**
     * Starts a supervisor and its children in order, each after the previous one is started, and
     * waits for that. If a child fails to start, the started ones are stopped in reverse order and
     * this throws {@link SupervisorException} (code {@code start_failed}) naming the child, whose cause is
     * the child's start error.
     *
     * @throws SupervisorException when a child fails to start
     */
    static Supervisor start(SupervisorSpec spec) {
        try {
            return SupervisorRuntime.startRoot(spec).join();
        } catch (java.util.concurrent.CompletionException e) {
            // Thrown again from the caller's thread, with the caller's stack, as the exception the Javadoc names.
            if (e.getCause() instanceof SupervisorException se) throw new SupervisorException(se.code(), se.getMessage(), se.getCause());
            throw e;
        }
    }

    /**
     * Like {@link #start} without waiting: the future completes when all children are started, or
     * exceptionally with the {@link SupervisorException} that {@link #start} would throw.
     */
    static CompletableFuture<Supervisor> startAsync(SupervisorSpec spec) {
        return SupervisorRuntime.startRoot(spec);
    }

    String name();

    /**
     * Adds and starts a child (OTP {@code start_child}, Elixir's {@code DynamicSupervisor.start_child}): a
     * {@link ChildSpec}, a builder, or a kind's own spec such as an OS process's; the future completes with the
     * child's handle once it is started. A builder that does not validate fails the future with its
     * {@link IllegalArgumentException}. A start that fails leaves nothing behind
     * and fails the future with code {@code start_failed}; a static supervisor refuses an id it already has
     * ({@code already_started}, {@code already_present}), a dynamic one a child beyond its
     * {@code maxChildren} ({@code max_children}).
     */
    CompletableFuture<ChildRef> startChild(ChildDefinition child);

    /** Like {@link #startChild(ChildDefinition)}, with a per-start argument available in the child's {@code ChildContext}. */
    CompletableFuture<ChildRef> startChild(ChildDefinition child, Object argument);

    /**
     * Stops a child of a static supervisor by id and keeps its spec, unless it is TEMPORARY (OTP
     * {@code terminate_child}); {@code simple_one_for_one} on a dynamic supervisor.
     */
    CompletableFuture<Void> terminateChild(String id);

    /**
     * Stops the child {@code child} names (OTP {@code terminate_child}); a dynamic supervisor then removes it,
     * as Elixir's {@code DynamicSupervisor.terminate_child} does; {@code not_found} if the supervisor no longer
     * has that child.
     */
    CompletableFuture<Void> terminateChild(ChildRef child);

    /** Starts a stopped child again (OTP {@code restart_child}); {@code simple_one_for_one} on a dynamic supervisor. */
    CompletableFuture<Void> restartChild(String id);

    /** Removes the spec of a stopped child (OTP {@code delete_child}); {@code simple_one_for_one} on a dynamic supervisor. */
    CompletableFuture<Void> deleteChild(String id);

    /**
     * Every child, in start order: static children as listed, then children added by {@code startChild} in the
     * order they were added (OTP lists them in the reverse order; see docs/semantics.md).
     */
    CompletableFuture<List<ChildInfo>> whichChildren();

    /** OTP's {@code count_children} (Elixir's for a dynamic supervisor); see {@link ChildCounts}. */
    CompletableFuture<ChildCounts> countChildren();

    /** A snapshot of this supervisor and all nested supervisors. */
    CompletableFuture<TreeSnapshot> snapshot();

    /** Stops all children in reverse start order, then the supervisor; completes with its exit reason. */
    CompletableFuture<ExitReason> stop();

    /** Completes when the supervisor has terminated, for whatever reason. */
    CompletableFuture<ExitReason> termination();

    /** Blocks until the supervisor has terminated and returns why; never throws. */
    default ExitReason awaitTermination() { return termination().join(); }

    /**
     * Stops the supervisor and waits, at most {@code timeout}.
     *
     * @throws SupervisorException with code {@code timeout} when it has not stopped by then (it goes on stopping),
     *     or {@code interrupted} when the waiting thread is interrupted (its interrupt flag is set again)
     */
    default ExitReason stop(Duration timeout) {
        try {
            return stop().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SupervisorException("timeout", "supervisor '" + name() + "' did not stop within " + Human.duration(timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SupervisorException("interrupted", "interrupted while waiting for supervisor '" + name() + "' to stop", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the stop of supervisor '" + name() + "' failed", e.getCause());
        }
    }

    /** Same as {@code stop().join()}: waits for the stop, however long it takes; never throws. */
    @Override
    default void close() { stop().join(); }

    /**
     * OTP's {@code count_children}.
     *
     * @param specs       the children the supervisor has, running or not (a dynamic supervisor has only those
     *                    running or waiting to be restarted)
     * @param active      those running or starting
     * @param supervisors those of type SUPERVISOR, running or not
     * @param workers     those of type WORKER, running or not
     */
    record ChildCounts(int specs, int active, int supervisors, int workers) {}
}

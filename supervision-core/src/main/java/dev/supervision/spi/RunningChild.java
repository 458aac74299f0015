package dev.supervision.spi;

import dev.supervision.ChildDetails;
import dev.supervision.ExitReason;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A started incarnation of a child. Methods may be called from any thread and must not block.
 */
public interface RunningChild {
    /** Completes once, when this incarnation has exited, with why. Must never complete exceptionally. */
    CompletionStage<ExitReason> exit();

    /** Asks the child to stop (OTP: exit signal {@code shutdown}); idempotent. */
    void requestStop();

    /**
     * Stops the child by force (OTP: {@code kill}); idempotent. Returns {@code false} when the kind of
     * child cannot be killed by force (a thread that ignores interrupts), so that the supervisor can
     * report it instead of waiting for ever.
     */
    boolean kill();

    /**
     * Facts about this incarnation for introspection ({@link dev.supervision.ChildInfo#details()});
     * called on the supervisor's loop, so it must be cheap and must not block. Default: none.
     */
    default Optional<ChildDetails> details() { return Optional.empty(); }
}

package dev.supervision.spi;

import dev.supervision.ChildDetails;
import java.util.Optional;

/**
 * A start in progress that can say what it is waiting for. The stage a {@link ChildStarter} returns may
 * implement it (an OS process waiting for its readiness probe does): the supervisor then shows
 * {@link #details()} for a child that is STARTING, and names {@link #waitingFor()} when the start times
 * out. Both are called on the supervisor's loop and must be quick, never block and never throw.
 */
public interface StartProgress {
    /** What the start is waiting for now, in words, e.g. {@code readiness http://127.0.0.1:8000/health, last: connection refused}. */
    String waitingFor();

    /** What the child being started reports about itself so far (an OS process: its pid), if anything. */
    default Optional<ChildDetails> details() {
        return Optional.empty();
    }
}

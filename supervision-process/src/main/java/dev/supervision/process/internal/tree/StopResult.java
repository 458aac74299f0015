package dev.supervision.process.internal.tree;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link TreeStopper#stop} did. A stop that could not kill everything still completes normally,
 * with the {@link #survivors()} listed and described in {@link #problems()}: the caller decides what to
 * report, it is never left waiting.
 *
 * @param signal the stop signal the tree got first
 * @param signalled every process sent the stop signal, in discovery order
 * @param killed every process that still lived after the stop timeout and was sent SIGKILL
 * @param survivors processes alive after the last SIGKILL sweep (e.g. in uninterruptible sleep); empty on success
 * @param elapsed from the call to the end of the last sweep
 * @param problems what went wrong on the way (a failed signal delivery, survivors), empty on success
 */
public record StopResult(Signal signal, List<ProcessRef> signalled, List<ProcessRef> killed,
        List<ProcessRef> survivors, Duration elapsed, List<String> problems) {
    /** Copies the lists. */
    public StopResult {
        signalled = List.copyOf(signalled);
        killed = List.copyOf(killed);
        survivors = List.copyOf(survivors);
        problems = List.copyOf(problems);
    }

    /** Whether nothing of the tree is left alive. */
    public boolean clean() {
        return survivors.isEmpty();
    }

    @Override
    public String toString() {
        return (clean() ? "stopped" : "NOT stopped") + " in " + elapsed.toMillis() + " ms: " + signalled.size()
                + " process(es) sent " + signal.signalName() + ", " + killed.size() + " needed SIGKILL"
                + (clean() ? "" : ", survivors " + survivors) + (problems.isEmpty() ? "" : ", problems " + problems);
    }
}

package dev.supervision;

import java.time.Duration;
import java.util.Optional;

/**
 * Immutable snapshot of one child, as returned by {@link Supervisor#whichChildren()}.
 *
 * @param id            the id of the child's spec (in a dynamic supervisor several children may share it)
 * @param ref           the child's handle, whose {@link ChildRef#name() name} is unique in its supervisor
 * @param nextRestartIn time until the scheduled restart when {@code state} is RESTARTING (or the
 *                      half-open trial when the circuit is OPEN), else empty
 * @param incarnation   1 for the first start, incremented by every start (0: never started)
 * @param subtree       the nested supervisor's own snapshot when this child is a running supervisor
 * @param details       what the running child reports about itself (an OS process: pid, uptime, ...)
 */
public record ChildInfo(String id, ChildRef ref, ChildType type, Restart restart, ChildState state, int restarts,
                        Optional<ExitReason> lastExit, CircuitState circuit, Optional<Duration> nextRestartIn,
                        long incarnation, Optional<TreeSnapshot> subtree, Optional<ChildDetails> details) {}

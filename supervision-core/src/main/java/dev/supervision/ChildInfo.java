package dev.supervision;

import java.time.Duration;
import java.util.Optional;

/**
 * Immutable snapshot of one child, as returned by {@link Supervisor#whichChildren()}.
 *
 * @param nextRestartIn time until the scheduled restart when {@code state} is RESTARTING (or the
 *                      half-open trial when the circuit is OPEN), else empty
 * @param subtree       the nested supervisor's own snapshot when this child is a running supervisor
 */
public record ChildInfo(String id, ChildType type, Restart restart, ChildState state, int restarts,
                        Optional<ExitReason> lastExit, CircuitState circuit, Optional<Duration> nextRestartIn,
                        Optional<TreeSnapshot> subtree) {}

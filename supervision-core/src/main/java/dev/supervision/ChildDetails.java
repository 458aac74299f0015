package dev.supervision;

/**
 * Kind-specific facts about a running child, supplied by its {@link dev.supervision.spi.RunningChild}
 * (for an OS process: pid, start time, uptime, readiness). Implementations are immutable snapshots.
 */
public interface ChildDetails {
    /** One line for {@link TreeSnapshot#render()}, e.g. {@code pid=4242 up=PT3M ready}. */
    String summary();
}

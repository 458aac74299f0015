package dev.supervision;

import java.util.Map;

/**
 * Kind-specific facts about a running child, supplied by its {@link dev.supervision.spi.RunningChild}
 * (for an OS process: pid, start time, uptime, readiness). Implementations are immutable snapshots.
 */
public interface ChildDetails {
    /** One line for {@link TreeSnapshot#render()}, e.g. {@code pid=4242 up=3m 5s ready}. */
    String summary();

    /**
     * The same facts by name, for {@link TreeSnapshot#toJson()} (the child's {@code "details"} object), in the
     * order they should appear. Values are {@code null}, {@link Boolean}, {@link Integer}, {@link Long} or
     * {@link String}; a fact that was not measured is {@code null}, never a made-up zero.
     *
     * @return the facts; by default none
     */
    default Map<String, Object> facts() {
        return Map.of();
    }
}

package dev.supervision.spi;

/**
 * What a starting child knows about itself.
 *
 * @param supervisor  the name of the supervisor
 * @param id          the child's id
 * @param incarnation 1 for the first start, then incremented on every restart
 * @param argument    the per-start argument given to {@code startChild(spec, argument)}, or {@code null}
 */
public record ChildContext(String supervisor, String id, long incarnation, Object argument) {}

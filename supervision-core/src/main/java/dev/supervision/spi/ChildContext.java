package dev.supervision.spi;

import dev.supervision.ChildNotice;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a starting child knows about itself.
 *
 * @param supervisor  the name of the supervisor
 * @param id          the child's id
 * @param incarnation 1 for the first start, then incremented on every restart
 * @param argument    the per-start argument given to {@code startChild(spec, argument)}, or {@code null}
 * @param notices     where the child reports kind-specific events; thread-safe, never blocks; the
 *                    supervisor delivers each as a {@link dev.supervision.SupervisorEvent.ChildNoticed}
 *                    on its loop, in the order reported
 */
public record ChildContext(String supervisor, String id, long incarnation, Object argument, Consumer<ChildNotice> notices) {
    public ChildContext {
        Objects.requireNonNull(supervisor, "supervisor");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(notices, "notices");
    }

    /** A context whose notices go nowhere (for starting a child outside a supervisor, e.g. in a benchmark). */
    public ChildContext(String supervisor, String id, long incarnation, Object argument) {
        this(supervisor, id, incarnation, argument, notice -> { });
    }

    /** Reports {@code notice} to the supervisor's listeners. */
    public void notify(ChildNotice notice) { notices.accept(notice); }
}

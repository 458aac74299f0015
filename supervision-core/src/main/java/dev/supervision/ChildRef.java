package dev.supervision;

import java.util.Objects;

/**
 * Names one child of one supervisor for as long as the supervisor keeps it, across its restarts: what
 * {@link Supervisor#startChild} answers and {@link Supervisor#terminateChild(ChildRef)} takes.
 *
 * <p>{@code name} is unique within the supervisor. In a static supervisor it is the child's id (ids are
 * unique there, as in OTP). In a {@linkplain SupervisorSpec#dynamic dynamic} supervisor, where ids may
 * repeat (Elixir's {@code DynamicSupervisor} addresses its children by pid), it is the id followed by
 * {@code #} and a number the supervisor never hands out twice, for example {@code worker#17}; that name
 * is also the child's {@link dev.supervision.spi.ChildContext#id() context id} and the {@code child} of
 * its events. Immutable.
 *
 * @param supervisor the name of the supervisor the child belongs to
 * @param name       the child's name, unique within that supervisor
 */
public record ChildRef(String supervisor, String name) {
    public ChildRef {
        Objects.requireNonNull(supervisor, "supervisor");
        Objects.requireNonNull(name, "name");
    }

    @Override public String toString() { return supervisor + "/" + name; }
}

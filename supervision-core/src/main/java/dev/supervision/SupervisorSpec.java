package dev.supervision;

import dev.supervision.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Immutable description of a supervisor: a static one ({@link #builder}, OTP's {@code supervisor}) or a
 * dynamic one ({@link #dynamic}, Elixir's {@code DynamicSupervisor}).
 *
 * <p>Defaults of a static supervisor (OTP): strategy ONE_FOR_ONE, intensity 1 restart in a 5 s sliding
 * period, auto-shutdown NEVER, give-up ESCALATE. A dynamic supervisor has Elixir's defaults: 3 restarts in
 * 5 s, no limit on children. Beyond OTP: the system scheduler, a JVM shutdown hook for a root supervisor
 * (opt out with {@link Builder#shutdownHook(boolean)}). {@link Builder#build()} validates and throws
 * {@link IllegalArgumentException} naming the field and value.
 *
 * @param dynamic     true for a {@linkplain #dynamic dynamic} supervisor
 * @param maxChildren a dynamic supervisor's limit on its children; {@link Integer#MAX_VALUE} when unlimited
 *                    (always, for a static supervisor)
 */
public record SupervisorSpec(String name, Strategy strategy, int intensity, Duration period, AutoShutdown autoShutdown,
                             GiveUp giveUp, int maxChildren, List<ChildSpec> children,
                             List<Consumer<SupervisorEvent>> listeners, Scheduler scheduler, boolean shutdownHook,
                             boolean dynamic) {

    public SupervisorSpec {
        children = List.copyOf(children);
        listeners = List.copyOf(listeners);
    }

    /** A static supervisor: its children are listed in the spec (and may be added with {@code startChild}). */
    public static Builder builder(String name) { return new Builder(name, false); }

    /**
     * A dynamic supervisor, as Elixir's {@code DynamicSupervisor}: it starts with no children and takes them
     * at run time with {@link Supervisor#startChild}; ids need not be unique, each child is addressed by the
     * {@link ChildRef} its start answers. A child that will not be restarted (a TEMPORARY one that exits, a
     * TRANSIENT one that exits normally, one terminated with {@link Supervisor#terminateChild(ChildRef)}, a
     * fatal exit) is removed at once; {@link Builder#maxChildren maxChildren} counts the children it still
     * has, running or waiting to be restarted. The strategy is ONE_FOR_ONE; the intensity defaults to 3
     * restarts in 5 s (Elixir's {@code max_restarts} and {@code max_seconds}); auto-shutdown is not offered
     * (Elixir has none). At the supervisor's stop its children are stopped all at once, each per its shutdown
     * spec, as Elixir does.
     */
    public static Builder dynamic(String name) { return new Builder(name, true); }

    public Builder toBuilder() {
        Builder b = new Builder(name, dynamic);
        b.strategy = strategy; b.intensity = intensity; b.period = period; b.autoShutdown = autoShutdown;
        b.giveUp = giveUp; b.maxChildren = maxChildren; b.children.addAll(children); b.listeners.addAll(listeners);
        b.scheduler = scheduler; b.shutdownHook = shutdownHook;
        return b;
    }

    /** Not thread-safe; {@link #build()} copies. */
    public static final class Builder {
        private final String name;
        private final boolean dynamic;
        private Strategy strategy = Strategy.ONE_FOR_ONE;
        private int intensity;
        private Duration period = Duration.ofSeconds(5);
        private AutoShutdown autoShutdown = AutoShutdown.NEVER;
        private GiveUp giveUp = GiveUp.escalate();
        private int maxChildren = Integer.MAX_VALUE;
        private final List<ChildSpec> children = new ArrayList<>();
        private final List<Consumer<SupervisorEvent>> listeners = new ArrayList<>();
        private Scheduler scheduler = Scheduler.system();
        private boolean shutdownHook = true;

        private Builder(String name, boolean dynamic) {
            this.name = name;
            this.dynamic = dynamic;
            this.intensity = dynamic ? 3 : 1;
        }

        public Builder strategy(Strategy strategy) { this.strategy = strategy; return this; }

        /** At most {@code intensity} restarts within any {@code period} (sliding window). */
        public Builder intensity(int intensity, Duration period) { this.intensity = intensity; this.period = period; return this; }

        public Builder autoShutdown(AutoShutdown autoShutdown) { this.autoShutdown = autoShutdown; return this; }

        public Builder giveUp(GiveUp giveUp) { this.giveUp = giveUp; return this; }

        /**
         * A dynamic supervisor's limit on its children (Elixir's {@code max_children}): a start beyond it fails
         * with code {@code max_children}. Not offered for a static supervisor (OTP has no such limit).
         */
        public Builder maxChildren(int maxChildren) { this.maxChildren = maxChildren; return this; }

        /**
         * Adds a child after those added so far (start order): a {@link ChildSpec}, a builder, or a kind's own spec
         * such as an OS process's. A builder is built here.
         *
         * @throws IllegalArgumentException from the builder's validation, naming the field and value
         */
        public Builder child(ChildDefinition child) {
            children.add(Objects.requireNonNull(child, "child").childSpec());
            return this;
        }

        public Builder listener(Consumer<SupervisorEvent> listener) { listeners.add(Objects.requireNonNull(listener, "listener")); return this; }

        public Builder scheduler(Scheduler scheduler) { this.scheduler = scheduler; return this; }

        /**
         * Whether a root supervisor registers a JVM shutdown hook that stops it (default true); registered
         * before the first child starts, so that a JVM stopped during a slow start stops what it started.
         */
        public Builder shutdownHook(boolean enabled) { this.shutdownHook = enabled; return this; }

        public SupervisorSpec build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("supervisor name must not be blank, was " + (name == null ? "null" : "'" + name + "'"));
            }
            String at = "supervisor '" + name + "': ";
            if (strategy == null) throw new IllegalArgumentException(at + "strategy must not be null");
            if (intensity < 0) throw new IllegalArgumentException(at + "intensity must be >= 0, was " + intensity);
            if (period == null || period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException(at + "period must be > 0, was " + period);
            }
            if (autoShutdown == null) throw new IllegalArgumentException(at + "autoShutdown must not be null");
            if (giveUp == null) throw new IllegalArgumentException(at + "giveUp must not be null");
            if (scheduler == null) throw new IllegalArgumentException(at + "scheduler must not be null");
            if (maxChildren < 0) throw new IllegalArgumentException(at + "maxChildren must be >= 0, was " + maxChildren);
            if (dynamic) {
                if (!children.isEmpty()) {
                    throw new IllegalArgumentException(at + "a dynamic supervisor starts with no children, was given "
                            + children.size() + "; add them with startChild");
                }
                if (strategy != Strategy.ONE_FOR_ONE) {
                    throw new IllegalArgumentException(at + "a dynamic supervisor's strategy is ONE_FOR_ONE, was " + strategy);
                }
                if (autoShutdown != AutoShutdown.NEVER) {
                    throw new IllegalArgumentException(at + "a dynamic supervisor has no autoShutdown (as Elixir's"
                            + " DynamicSupervisor), was " + autoShutdown);
                }
            } else if (maxChildren != Integer.MAX_VALUE) {
                throw new IllegalArgumentException(at + "maxChildren=" + maxChildren + " applies to a dynamic supervisor"
                        + " (SupervisorSpec.dynamic); a static supervisor has no limit, as in OTP");
            }
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < children.size(); i++) {
                ChildSpec c = children.get(i);
                if (!ids.add(c.id())) {
                    throw new IllegalArgumentException(at + "children[" + i + "].id: duplicate id '" + c.id() + "'");
                }
                if (c.significant() && autoShutdown == AutoShutdown.NEVER) {
                    throw new IllegalArgumentException(at + "children[" + i + "] ('" + c.id()
                            + "') is significant but autoShutdown is NEVER; set ANY_SIGNIFICANT or ALL_SIGNIFICANT");
                }
            }
            return new SupervisorSpec(name, strategy, intensity, period, autoShutdown, giveUp, maxChildren,
                    children, listeners, scheduler, shutdownHook, dynamic);
        }
    }
}

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
 * Immutable description of a supervisor.
 *
 * <p>Defaults (OTP): strategy ONE_FOR_ONE, intensity 1 restart in a 5 s sliding period, auto-shutdown
 * NEVER, give-up ESCALATE; beyond OTP: no maximum number of children, the system scheduler, a JVM
 * shutdown hook for a root supervisor (opt out with {@link Builder#shutdownHook(boolean)}).
 * {@link Builder#build()} validates and throws {@link IllegalArgumentException} naming the field and
 * value.
 */
public record SupervisorSpec(String name, Strategy strategy, int intensity, Duration period, AutoShutdown autoShutdown,
                             GiveUp giveUp, int maxChildren, List<ChildSpec> children,
                             List<Consumer<SupervisorEvent>> listeners, Scheduler scheduler, boolean shutdownHook) {

    public SupervisorSpec {
        children = List.copyOf(children);
        listeners = List.copyOf(listeners);
    }

    public static Builder builder(String name) { return new Builder(name); }

    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.strategy = strategy; b.intensity = intensity; b.period = period; b.autoShutdown = autoShutdown;
        b.giveUp = giveUp; b.maxChildren = maxChildren; b.children.addAll(children); b.listeners.addAll(listeners);
        b.scheduler = scheduler; b.shutdownHook = shutdownHook;
        return b;
    }

    /** Not thread-safe; {@link #build()} copies. */
    public static final class Builder {
        private final String name;
        private Strategy strategy = Strategy.ONE_FOR_ONE;
        private int intensity = 1;
        private Duration period = Duration.ofSeconds(5);
        private AutoShutdown autoShutdown = AutoShutdown.NEVER;
        private GiveUp giveUp = GiveUp.escalate();
        private int maxChildren = Integer.MAX_VALUE;
        private final List<ChildSpec> children = new ArrayList<>();
        private final List<Consumer<SupervisorEvent>> listeners = new ArrayList<>();
        private Scheduler scheduler = Scheduler.system();
        private boolean shutdownHook = true;

        private Builder(String name) { this.name = name; }

        public Builder strategy(Strategy strategy) { this.strategy = strategy; return this; }

        /** At most {@code intensity} restarts within any {@code period} (sliding window). */
        public Builder intensity(int intensity, Duration period) { this.intensity = intensity; this.period = period; return this; }

        public Builder autoShutdown(AutoShutdown autoShutdown) { this.autoShutdown = autoShutdown; return this; }

        public Builder giveUp(GiveUp giveUp) { this.giveUp = giveUp; return this; }

        /** Upper bound on children, static and dynamic together (Elixir's {@code max_children}). */
        public Builder maxChildren(int maxChildren) { this.maxChildren = maxChildren; return this; }

        public Builder child(ChildSpec child) { children.add(Objects.requireNonNull(child, "child")); return this; }

        public Builder child(ChildSpec.Builder child) { return child(child.build()); }

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
            if (maxChildren < 1) throw new IllegalArgumentException(at + "maxChildren must be >= 1, was " + maxChildren);
            if (children.size() > maxChildren) {
                throw new IllegalArgumentException(at + children.size() + " children exceed maxChildren=" + maxChildren);
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
                    children, listeners, scheduler, shutdownHook);
        }
    }
}

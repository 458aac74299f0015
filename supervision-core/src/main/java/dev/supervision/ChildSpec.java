package dev.supervision;

import dev.supervision.internal.Children;
import dev.supervision.spi.ChildStarter;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable description of a child: OTP's child specification plus backoff and a start timeout.
 *
 * <p>Defaults: restart PERMANENT; shutdown 5 s for workers and INFINITY for supervisors; not
 * significant; no backoff; start timeout none (wait as long as the start takes; the supervisor stays
 * responsive meanwhile). Build with {@link #worker}, {@link #service}, {@link #supervisor} or
 * {@link #builder}; {@link Builder#build()} validates and throws {@link IllegalArgumentException}
 * naming the field and value.
 */
public record ChildSpec(String id, ChildStarter starter, Restart restart, Shutdown shutdown, ChildType type,
                        boolean significant, Backoff backoff, Optional<Duration> startTimeout) implements ChildDefinition {

    /** Default shutdown timeout of a worker (OTP). */
    public static final Duration DEFAULT_WORKER_SHUTDOWN = Duration.ofSeconds(5);

    public ChildSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(starter, "starter");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(startTimeout, "startTimeout");
    }

    /** A worker function on its own virtual thread. */
    public static Builder worker(String id, Worker worker) {
        Objects.requireNonNull(worker, "worker must not be null (child '" + id + "')");
        return new Builder(id, Children.worker(worker), ChildType.WORKER);
    }

    /** A service with start and stop. */
    public static Builder service(String id, Service service) {
        Objects.requireNonNull(service, "service must not be null (child '" + id + "')");
        return new Builder(id, Children.service(service), ChildType.WORKER);
    }

    /** A nested supervisor; its id is the spec's name. */
    public static Builder supervisor(SupervisorSpec spec) {
        Objects.requireNonNull(spec, "supervisor spec must not be null");
        return new Builder(spec.name(), Children.supervisor(spec), ChildType.SUPERVISOR);
    }

    /** Any kind of child through the {@link ChildStarter} SPI. */
    public static Builder builder(String id, ChildStarter starter, ChildType type) {
        return new Builder(id, starter, type);
    }

    /** This spec itself. */
    @Override public ChildSpec childSpec() { return this; }

    /** A builder holding this spec's values, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder(id, starter, type);
        b.restart = restart; b.shutdown = shutdown; b.significant = significant; b.backoff = backoff;
        b.startTimeout = startTimeout.orElse(null);
        return b;
    }

    /** Not thread-safe; {@link #build()} copies, so a built spec never changes. */
    public static final class Builder implements ChildDefinition {
        private final String id;
        private final ChildStarter starter;
        private final ChildType type;
        private Restart restart = Restart.PERMANENT;
        private Shutdown shutdown;
        private boolean significant;
        private Backoff backoff = Backoff.none();
        private Duration startTimeout;

        private Builder(String id, ChildStarter starter, ChildType type) {
            this.id = id;
            this.starter = starter;
            this.type = type;
        }

        public Builder restart(Restart restart) { this.restart = restart; return this; }

        public Builder shutdown(Shutdown shutdown) { this.shutdown = shutdown; return this; }

        /** Shorthand for {@code shutdown(Shutdown.timeout(timeout))}. */
        public Builder shutdown(Duration timeout) { return shutdown(Shutdown.timeout(timeout)); }

        public Builder significant(boolean significant) { this.significant = significant; return this; }

        public Builder backoff(Backoff backoff) { this.backoff = backoff; return this; }

        public Builder startTimeout(Duration startTimeout) { this.startTimeout = startTimeout; return this; }

        /** Same as {@link #build()}. */
        @Override public ChildSpec childSpec() { return build(); }

        public ChildSpec build() {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("child id must not be blank, was " + (id == null ? "null" : "'" + id + "'"));
            }
            if (starter == null) throw new IllegalArgumentException("child '" + id + "': start must not be null");
            if (type == null) throw new IllegalArgumentException("child '" + id + "': type must not be null");
            if (restart == null) throw new IllegalArgumentException("child '" + id + "': restart must not be null");
            if (backoff == null) throw new IllegalArgumentException("child '" + id + "': backoff must not be null");
            if (significant && restart == Restart.PERMANENT) {
                throw new IllegalArgumentException("child '" + id
                        + "': significant=true requires restart TRANSIENT or TEMPORARY, was PERMANENT");
            }
            if (startTimeout != null && (startTimeout.isZero() || startTimeout.isNegative())) {
                throw new IllegalArgumentException("child '" + id + "': startTimeout must be > 0, was " + startTimeout);
            }
            Shutdown s = shutdown != null ? shutdown
                    : type == ChildType.SUPERVISOR ? Shutdown.infinity() : Shutdown.timeout(DEFAULT_WORKER_SHUTDOWN);
            return new ChildSpec(id, starter, restart, s, type, significant, backoff, Optional.ofNullable(startTimeout));
        }
    }
}

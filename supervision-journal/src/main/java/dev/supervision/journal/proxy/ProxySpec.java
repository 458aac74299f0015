package dev.supervision.journal.proxy;

import dev.supervision.process.crash.InFlightRequests;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ReplayingProxy} is set up. Immutable; built by {@link #builder(URI)}.
 *
 * <p>Defaults: listen on 127.0.0.1 on a free port; hold at most 1,000 requests, each at most 2 minutes, while the
 * server is not ready (then 503 with {@code Retry-After: 5}); at most 5 attempts per request; 64 requests upstream at
 * once; bodies up to 16 MiB; an attempt may take 10 minutes (a long generation).
 *
 * @param upstream       the server's base URI, e.g. {@code http://127.0.0.1:8000}
 * @param upstreamChild  the id of the server's process child in the tree whose events the proxy listens to (its
 *                       readiness and crashes); empty: not supervised, the proxy probes {@code upstream/health}
 * @param listenHost     the address the proxy listens on
 * @param listenPort     the port, 0 for a free one
 * @param maxHeld        the most requests waiting to be sent; beyond it a new request gets 503 and is not journaled
 * @param holdDeadline   the longest a request is held while the server is not ready; then it gets 503 with
 *                       {@code Retry-After} and is marked FAILED (a retry with its key sends it again)
 * @param retryAfter     the {@code Retry-After} of a 503
 * @param maxAttempts    the most times a request is sent; then it is dead-lettered
 * @param maxConcurrent  the most requests upstream at once (one at a time while a crash is being attributed)
 * @param maxBodyBytes   the largest request body accepted (413 beyond it)
 * @param attemptTimeout the longest one attempt may take, response included
 * @param inFlightRequests where the proxy records the requests being sent (give the same to the server's
 *                       {@code ProcessSpec.Builder.inFlightRequests} when the spec is built before the proxy starts);
 *                       empty: the proxy keeps its own, {@link ReplayingProxy#inFlightRequests()}
 */
public record ProxySpec(URI upstream, Optional<String> upstreamChild, String listenHost, int listenPort, int maxHeld,
                        Duration holdDeadline, Duration retryAfter, int maxAttempts, int maxConcurrent, long maxBodyBytes,
                        Duration attemptTimeout, Optional<InFlightRequests> inFlightRequests) {

    /** @throws IllegalArgumentException naming the setting and the value if one is out of range */
    public ProxySpec {
        Objects.requireNonNull(upstream, "upstream");
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
            throw new IllegalArgumentException("upstream: expected http://host:port, was " + upstream);
        }
        Objects.requireNonNull(upstreamChild, "upstreamChild");
        Objects.requireNonNull(listenHost, "listenHost");
        if (listenPort < 0 || listenPort > 65535) throw new IllegalArgumentException("listenPort: expected 0..65535, was " + listenPort);
        if (maxHeld < 1) throw new IllegalArgumentException("maxHeld: expected >= 1, was " + maxHeld);
        positive("holdDeadline", holdDeadline);
        positive("retryAfter", retryAfter);
        if (maxAttempts < 1 || maxAttempts > 100) throw new IllegalArgumentException("maxAttempts: expected 1..100, was " + maxAttempts);
        if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent: expected >= 1, was " + maxConcurrent);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes: expected >= 1, was " + maxBodyBytes);
        positive("attemptTimeout", attemptTimeout);
        Objects.requireNonNull(inFlightRequests, "inFlightRequests");
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + ": expected > 0, was " + d);
    }

    /** A builder for a proxy in front of {@code upstream}. */
    public static Builder builder(URI upstream) {
        return new Builder(upstream);
    }

    /** Not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private final URI upstream;
        private String upstreamChild;
        private String listenHost = "127.0.0.1";
        private int listenPort;
        private int maxHeld = 1000;
        private Duration holdDeadline = Duration.ofMinutes(2);
        private Duration retryAfter = Duration.ofSeconds(5);
        private int maxAttempts = 5;
        private int maxConcurrent = 64;
        private long maxBodyBytes = 16L << 20;
        private Duration attemptTimeout = Duration.ofMinutes(10);
        private InFlightRequests inFlightRequests;

        private Builder(URI upstream) {
            this.upstream = upstream;
        }

        /** The id of the server's process child, whose readiness and crashes the proxy follows. */
        public Builder upstreamChild(String id) { this.upstreamChild = id; return this; }

        public Builder listen(String host, int port) { this.listenHost = host; this.listenPort = port; return this; }

        public Builder maxHeld(int maxHeld) { this.maxHeld = maxHeld; return this; }

        public Builder holdDeadline(Duration holdDeadline) { this.holdDeadline = holdDeadline; return this; }

        public Builder retryAfter(Duration retryAfter) { this.retryAfter = retryAfter; return this; }

        public Builder maxAttempts(int maxAttempts) { this.maxAttempts = maxAttempts; return this; }

        public Builder maxConcurrent(int maxConcurrent) { this.maxConcurrent = maxConcurrent; return this; }

        public Builder maxBodyBytes(long maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; return this; }

        public Builder attemptTimeout(Duration attemptTimeout) { this.attemptTimeout = attemptTimeout; return this; }

        /** Where the requests being sent are recorded, for the server's crash reports; default: the proxy's own. */
        public Builder inFlightRequests(InFlightRequests inFlightRequests) { this.inFlightRequests = inFlightRequests; return this; }

        /** @throws IllegalArgumentException naming the setting and the value if one is out of range */
        public ProxySpec build() {
            return new ProxySpec(upstream, Optional.ofNullable(upstreamChild), listenHost, listenPort, maxHeld, holdDeadline, retryAfter,
                    maxAttempts, maxConcurrent, maxBodyBytes, attemptTimeout, Optional.ofNullable(inFlightRequests));
        }
    }
}

package dev.supervision.process.probe;

import dev.supervision.process.internal.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A check of an OS-process child: for readiness (the start completes when it passes) or for liveness
 * (repeated failures stop the process and count as a crash). Each attempt has its own timeout, given
 * where the probe is used.
 */
public sealed interface Probe {
    /** One line for logs and notices. */
    String describe();

    /**
     * An HTTP GET answering 2xx, and, when {@code bodyMatches} is given, a body in which it is found.
     *
     * @throws IllegalArgumentException naming {@code probe.http.uri} unless it is an http:// or https:// URL with a
     *     host and, if it gives one, a port in 1..65535
     */
    record Http(URI uri, Optional<Pattern> bodyMatches) implements Probe {
        public Http {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(bodyMatches, "bodyMatches");
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
                throw new IllegalArgumentException("probe.http.uri: expected an http:// or https:// URL, was '" + uri + "'");
            }
            if (uri.getHost() == null) {
                // A port past 2^31 or a malformed authority leaves no host either.
                throw new IllegalArgumentException("probe.http.uri: expected a URL with a host and a port in 1..65535, like"
                        + " http://127.0.0.1:8000/health, was '" + uri + "'");
            }
            if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
                throw new IllegalArgumentException("probe.http.uri: expected a port in 1..65535, was " + uri.getPort()
                        + " in '" + uri + "'");
            }
        }
        @Override public String describe() { return "GET " + uri + bodyMatches.map(p -> " with a body matching /" + p + "/").orElse(""); }
    }

    /** A TCP connection accepted on {@code host:port}. */
    record Tcp(String host, int port) implements Probe {
        public Tcp {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("probe.tcp.port: expected 1..65535, was " + port);
        }
        @Override public String describe() { return "TCP connect to " + host + ":" + port; }
    }

    /** A line of the process's output (stdout or stderr) matching {@code pattern}; readiness only. */
    record LogLine(Pattern pattern) implements Probe {
        public LogLine { Objects.requireNonNull(pattern, "pattern"); }
        @Override public String describe() { return "log line ~/" + pattern + "/"; }
    }

    /** A file that exists. */
    record FileExists(Path path) implements Probe {
        public FileExists { Objects.requireNonNull(path, "path"); }
        @Override public String describe() { return "file " + path; }
    }

    /** A command (argv, no shell) that exits 0. */
    record Command(List<String> command) implements Probe {
        public Command {
            command = List.copyOf(command);
            if (command.isEmpty() || command.get(0).isBlank()) {
                throw new IllegalArgumentException("probe.command: expected a non-empty argv, was " + command);
            }
        }
        @Override public String describe() { return "command " + String.join(" ", command); }
    }

    /** @throws IllegalArgumentException naming {@code probe.http.uri} if {@code url} is not a valid http(s) URL (see {@link Http}) */
    static Http http(String url) { return new Http(uri(url), Optional.empty()); }

    /** @throws IllegalArgumentException as {@link #http(String)}, or if {@code bodyRegex} does not compile */
    static Http http(String url, String bodyRegex) { return new Http(uri(url), Optional.of(Pattern.compile(bodyRegex))); }

    private static URI uri(String url) {
        try {
            return new URI(Objects.requireNonNull(url, "probe.http.uri"));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("probe.http.uri: expected a URL like http://127.0.0.1:8000/health, was '" + url
                    + "': " + e.getReason(), e);
        }
    }

    static Tcp tcp(String host, int port) { return new Tcp(host, port); }

    static LogLine logLine(String regex) { return new LogLine(Pattern.compile(regex)); }

    static FileExists file(Path path) { return new FileExists(path); }

    static Command command(String... argv) { return new Command(List.of(argv)); }

    /** Kubernetes-style liveness settings around a probe. */
    record Liveness(Probe probe, Duration initialDelay, Duration interval, Duration timeout, int failureThreshold) {
        public Liveness {
            Objects.requireNonNull(probe, "liveness.probe");
            if (probe instanceof LogLine) {
                throw new IllegalArgumentException("liveness.probe: a log-line probe can only be a readiness probe");
            }
            requireNonNegative("liveness.initialDelay", initialDelay);
            requirePositive("liveness.interval", interval);
            requirePositive("liveness.timeout", timeout);
            if (failureThreshold < 1) {
                throw new IllegalArgumentException("liveness.failureThreshold: expected >= 1, was " + failureThreshold);
            }
        }

        /** Defaults as Kubernetes: no initial delay, every 10 s, 1 s timeout, 3 failures in a row. */
        public static Liveness of(Probe probe) {
            return new Liveness(probe, Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(1), 3);
        }

        public Liveness withInitialDelay(Duration d) { return new Liveness(probe, d, interval, timeout, failureThreshold); }

        public Liveness withInterval(Duration d) { return new Liveness(probe, initialDelay, d, timeout, failureThreshold); }

        public Liveness withTimeout(Duration d) { return new Liveness(probe, initialDelay, interval, d, failureThreshold); }

        public Liveness withFailureThreshold(int n) { return new Liveness(probe, initialDelay, interval, timeout, n); }
    }

    private static void requirePositive(String field, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw new IllegalArgumentException(field + ": expected > 0, was " + d);
        Durations.atMostMax(field, d);
    }

    private static void requireNonNegative(String field, Duration d) {
        if (d == null || d.isNegative()) throw new IllegalArgumentException(field + ": expected >= 0, was " + d);
        Durations.atMostMax(field, d);
    }
}

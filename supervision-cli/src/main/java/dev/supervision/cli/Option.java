package dev.supervision.cli;

import java.util.Optional;

/**
 * The options of {@code supervise}: each settable on the command line, by a {@code SUPERVISE_*}
 * environment variable, and some by the variable of AWS's {@code standard-supervisor} (the seed's
 * tool) with the same meaning. Precedence: command line, then {@code SUPERVISE_*}, then the seed's
 * variable, then the default.
 *
 * @param wrapOnly true when the option describes the wrapped command and is meaningless with {@code --config}
 */
enum Option {
    AUTO_RECOVERY("--auto-recovery", "PROCESS_AUTO_RECOVERY", "on", true, "on|off",
            "restart the command when it exits (off: run it once, exit with its exit code)"),
    MAX_START_RETRIES("--max-start-retries", "PROCESS_MAX_START_RETRIES", "3", true, "N",
            "restarts allowed within the retry window (0..100); one more failure gives up, exit 75"),
    RETRY_WINDOW("--retry-window", null, "30m", true, "DURATION",
            "sliding window in which failures count toward --max-start-retries"),
    START_SECONDS("--start-seconds", null, "1s", true, "DURATION",
            "uptime after which a start counts as complete when there is no readiness URL"),
    START_TIMEOUT("--start-timeout", null, "5m", true, "DURATION",
            "longest a start (launch and readiness) may take before it counts as failed"),
    STOP_TIMEOUT("--stop-timeout", null, "10s", true, "DURATION",
            "time between SIGTERM and SIGKILL when stopping the command's process tree"),
    BACKOFF("--backoff", null, "500ms..30s", true, "none|DELAY|MIN..MAX",
            "delay before a restart: none, fixed (5s) or exponential (1s..30s, 20% jitter)"),
    READINESS_URL("--readiness-url", null, null, true, "URL",
            "HTTP URL answering 2xx when the command is ready (replaces --start-seconds)"),
    LIVENESS_URL("--liveness-url", null, null, true, "URL",
            "HTTP URL polled every 10s; 3 failures in a row restart the command"),
    MEMORY_LIMIT("--memory-limit", null, null, true, "SIZE",
            "RSS limit of the command's whole process tree (8GiB, 512MiB): over it, the tree is stopped and restarted"),
    CONFIG("--config", null, null, false, "FILE",
            "run the tree described by a YAML or JSON file instead of one command"),
    STATE_DIR("--state-dir", null, null, false, "DIR",
            "state directory (orphan ledger, status.port, status.token); default $XDG_STATE_HOME/supervision or ~/.local/state/supervision"),
    TREE("--tree", null, "supervise", false, "NAME",
            "name of the tree (root supervisor); with --config, replaces the file's name"),
    STATUS_PORT("--status-port", null, "0", false, "PORT|off",
            "loopback port of the status endpoint (0: any free port, written to <state-dir>/<tree>/status.port)"),
    HEALTH_BIND("--health-bind", null, null, false, "HOST:PORT",
            "also serve /livez, /readyz and /metrics, without the token, on this address (e.g. 0.0.0.0:8081 for Kubernetes probes)"),
    LOG_LEVEL("--log-level", "LOG_LEVEL", "info", false, "LEVEL",
            "trace, debug, info, warn, error (critical = error) or off"),
    LOG_FORMAT("--log-format", null, "plain", false, "plain|json",
            "plain: one sentence per line for people (colour on a terminal); json: one JSON object per line");

    final String flag;
    final String seedVariable;
    final String defaultValue;
    final boolean wrapOnly;
    final String valueName;
    final String help;

    Option(String flag, String seedVariable, String defaultValue, boolean wrapOnly, String valueName, String help) {
        this.flag = flag;
        this.seedVariable = seedVariable;
        this.defaultValue = defaultValue;
        this.wrapOnly = wrapOnly;
        this.valueName = valueName;
        this.help = help;
    }

    /** {@code --max-start-retries} → {@code SUPERVISE_MAX_START_RETRIES}. */
    String variable() {
        return "SUPERVISE_" + flag.substring(2).replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }

    static Optional<Option> byFlag(String flag) {
        for (Option o : values()) {
            if (o.flag.equals(flag)) return Optional.of(o);
        }
        return Optional.empty();
    }
}

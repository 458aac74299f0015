package dev.supervision.examples.cli;

import dev.supervision.Backoff;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.probe.Probe;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The parsed and validated command line of {@code supervise} (options merged with the environment).
 * {@link #parse} reads everything at once, so a bad value anywhere fails before anything starts.
 *
 * @param mode     what to do
 * @param common   the options of every mode
 * @param wrap     the wrapped command's options (mode {@link Mode#WRAP} only)
 * @param config   the tree file (mode {@link Mode#CONFIG} only)
 * @param treeSet  whether the tree name was given (option or variable) rather than defaulted
 */
record CommandLine(Mode mode, Common common, Optional<Wrap> wrap, Optional<Path> config, boolean treeSet) {

    enum Mode { HELP, WRAP, CONFIG, STATUS }

    /** Options of every mode. {@code statusPort} is empty when the endpoint is off. */
    record Common(String tree, Path stateDir, String logLevel, OptionalInt statusPort) {}

    /** The wrapped command and how to supervise it. */
    record Wrap(List<String> command, boolean autoRecovery, int maxStartRetries, Duration retryWindow,
                Duration startSeconds, Duration startTimeout, Duration stopTimeout, Backoff backoff,
                Optional<URI> readinessUrl, Optional<URI> livenessUrl, OptionalLong memoryLimit) {
        Wrap { command = List.copyOf(command); }
    }

    private record Setting(String value, String source, boolean explicit) {}

    /**
     * Parses {@code args} with {@code env} as the environment.
     *
     * @throws ConfigException naming the option or variable, the value and what was expected
     */
    static CommandLine parse(List<String> args, Map<String, String> env) {
        Map<Option, Setting> given = new EnumMap<>(Option.class);
        List<String> command = new ArrayList<>();
        boolean status = false;
        int i = 0;
        if (!args.isEmpty() && args.get(0).equals("status")) {
            status = true;
            i = 1;
        }
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-h") || a.equals("--help")) {
                return new CommandLine(Mode.HELP, null, Optional.empty(), Optional.empty(), false);
            }
            if (a.equals("--")) {
                command.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (!a.startsWith("-")) {
                command.addAll(args.subList(i, args.size()));
                break;
            }
            int eq = a.indexOf('=');
            String flag = eq < 0 ? a : a.substring(0, eq);
            Option o = Option.byFlag(flag).orElseThrow(() -> new ConfigException(flag + ": unknown option (see supervise --help)"));
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new ConfigException(flag + ": expected a value (" + o.valueName + ")");
            }
            if (given.put(o, new Setting(value, flag, true)) != null) {
                throw new ConfigException(flag + ": given twice");
            }
        }
        Map<Option, Setting> s = new EnumMap<>(Option.class);
        for (Option o : Option.values()) s.put(o, resolve(o, given.get(o), env));

        Mode mode = status ? Mode.STATUS : s.get(Option.CONFIG).value() != null ? Mode.CONFIG : Mode.WRAP;
        if (status && !command.isEmpty()) throw new ConfigException("status: unexpected argument '" + command.get(0) + "'");
        if (mode == Mode.CONFIG && !command.isEmpty()) {
            throw new ConfigException(s.get(Option.CONFIG).source() + ": a command after the options ('" + String.join(" ", command)
                    + "') cannot be combined with a tree file");
        }
        if (mode != Mode.WRAP) {
            for (Option o : Option.values()) {       // variables meant for a wrapped command are ignored here
                Setting v = given.get(o);
                if ((o.wrapOnly || (status && o == Option.CONFIG)) && v != null) {
                    throw new ConfigException(v.source() + ": applies to a wrapped command (supervise [options] -- command),"
                            + " not to " + (status ? "supervise status" : "--config; set it in the tree file"));
                }
            }
        }
        if (mode == Mode.WRAP && command.isEmpty()) {
            throw new ConfigException("missing command: supervise [options] -- command [args...], or --config FILE (see supervise --help)");
        }

        Common common = new Common(
                Values.name(s.get(Option.TREE).source(), s.get(Option.TREE).value()),
                stateDir(s.get(Option.STATE_DIR)),
                logLevel(s.get(Option.LOG_LEVEL)),
                statusPort(s.get(Option.STATUS_PORT)));
        Optional<Wrap> wrap = mode == Mode.WRAP ? Optional.of(wrap(command, s)) : Optional.empty();
        Optional<Path> config = mode == Mode.CONFIG ? Optional.of(Path.of(s.get(Option.CONFIG).value())) : Optional.empty();
        return new CommandLine(mode, common, wrap, config, s.get(Option.TREE).explicit());
    }

    private static Setting resolve(Option o, Setting fromArgs, Map<String, String> env) {
        if (fromArgs != null) return fromArgs;
        String v = env.get(o.variable());
        if (v != null && !v.isBlank()) return new Setting(v.trim(), o.variable(), true);
        if (o.seedVariable != null) {
            v = env.get(o.seedVariable);
            if (v != null && !v.isBlank()) return new Setting(v.trim(), o.seedVariable, true);
        }
        return new Setting(o.defaultValue, o.flag + " (default)", false);
    }

    private static Wrap wrap(List<String> command, Map<Option, Setting> s) {
        if (command.get(0).isBlank()) throw new ConfigException("command: must not be empty");
        Setting retries = s.get(Option.MAX_START_RETRIES);
        Setting memory = s.get(Option.MEMORY_LIMIT);
        return new Wrap(command,
                Values.bool(s.get(Option.AUTO_RECOVERY).source(), s.get(Option.AUTO_RECOVERY).value()),
                Values.integer(retries.source(), retries.value(), 0, 100),
                positive(s.get(Option.RETRY_WINDOW)),
                Values.duration(s.get(Option.START_SECONDS).source(), s.get(Option.START_SECONDS).value()),
                positive(s.get(Option.START_TIMEOUT)),
                positive(s.get(Option.STOP_TIMEOUT)),
                Values.backoff(s.get(Option.BACKOFF).source(), s.get(Option.BACKOFF).value()),
                url(s.get(Option.READINESS_URL)),
                url(s.get(Option.LIVENESS_URL)),
                memory.value() == null ? OptionalLong.empty() : OptionalLong.of(Values.bytes(memory.source(), memory.value())));
    }

    private static Duration positive(Setting s) { return Values.positiveDuration(s.source(), s.value()); }

    private static Optional<URI> url(Setting s) {
        if (s.value() == null) return Optional.empty();
        try {
            return Optional.of(Probe.http(s.value()).uri());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.source() + ": " + e.getMessage().replaceFirst("^probe\\.http\\.uri: ", ""));
        }
    }

    private static Path stateDir(Setting s) {
        if (s.value() == null) return ProcessSpec.defaultStateDirectory();
        if (s.value().isBlank()) throw new ConfigException(s.source() + ": expected a directory, was ''");
        return Path.of(s.value());
    }

    static String logLevel(String where, String text) {
        String l = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (l) {
            case "trace", "debug", "info", "error", "off" -> l;
            case "warn", "warning" -> "warn";
            case "critical", "fatal" -> "error";
            default -> throw new ConfigException(where + ": expected trace, debug, info, warn, error, critical or off, was '" + text + "'");
        };
    }

    private static String logLevel(Setting s) { return logLevel(s.source(), s.value()); }

    private static OptionalInt statusPort(Setting s) {
        if (s.value().equalsIgnoreCase("off")) return OptionalInt.empty();
        return OptionalInt.of(Values.integer(s.source(), s.value(), 0, 65535));
    }
}

package dev.supervision.cli;

import dev.supervision.Backoff;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.probe.Probe;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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

    enum Mode { HELP, VERSION, WRAP, CONFIG }

    /** Options of every mode. {@code statusPort} is empty when the endpoint is off. */
    record Common(String tree, Path stateDir, String logLevel, CliLog.Format logFormat, OptionalInt statusPort,
                  Optional<java.net.InetSocketAddress> healthBind) {}

    /** The wrapped command and how to supervise it. */
    record Wrap(List<String> command, boolean autoRecovery, int maxStartRetries, Duration retryWindow,
                Duration startSeconds, Duration startTimeout, Duration stopTimeout, Backoff backoff,
                Optional<URI> readinessUrl, Optional<URI> livenessUrl, OptionalLong memoryLimit) {
        Wrap { command = List.copyOf(command); }
    }

    private record Setting(String value, String source, boolean explicit) {}

    /**
     * Parses {@code args} with {@code env} as the environment: the top-level command only (a subcommand's name is an
     * error here; {@link Supervise} dispatches subcommands before).
     *
     * @throws ConfigException naming the option or variable, the value and what was expected
     */
    static CommandLine parse(List<String> args, Map<String, String> env) {
        return from(parseArgs(new picocli.CommandLine(spec()), args), env);
    }

    /** The top-level command line from picocli's parse of it ({@link #spec()}), with {@code env} as the environment. */
    static CommandLine from(picocli.CommandLine.ParseResult pr, Map<String, String> env) {
        if (pr.isUsageHelpRequested()) return new CommandLine(Mode.HELP, null, Optional.empty(), Optional.empty(), false);
        if (pr.isVersionHelpRequested()) return new CommandLine(Mode.VERSION, null, Optional.empty(), Optional.empty(), false);
        Map<Option, Setting> given = new EnumMap<>(Option.class);
        for (Option o : Option.values()) {
            picocli.CommandLine.Model.OptionSpec spec = pr.matchedOption(o.flag);
            if (spec != null) given.put(o, new Setting(spec.getValue(), o.flag, true));
        }
        List<String> command = pr.matchedPositionals().isEmpty() ? null : pr.matchedPositionals().get(0).getValue();
        return from(given, command == null ? List.of() : command, env);
    }

    /** The top-level command: one picocli option per {@link Option}, the wrapped command as positional parameters. */
    static picocli.CommandLine.Model.CommandSpec spec() {
        var spec = picocli.CommandLine.Model.CommandSpec.create().name("supervise");
        spec.parser().stopAtPositional(true).overwrittenOptionsAllowed(false).unmatchedOptionsArePositionalParams(false);
        // -h and -V built here rather than by mixinStandardHelpOptions, whose annotations picocli reads by reflection
        // (some 30 ms of every start).
        spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("this help, and the operator's commands").build());
        spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("the version, where it is installed and the Java that runs it").build());
        spec.versionProvider(Supervise::version);
        for (Option o : Option.values()) {
            spec.addOption(picocli.CommandLine.Model.OptionSpec.builder(o.flag).paramLabel(o.valueName).type(String.class)
                    .arity("1").description(o.help.replace("%", "%%"), "env " + o.variable() + (o.seedVariable == null ? "" : " or " + o.seedVariable)
                            + (o.defaultValue == null ? "" : ", default " + o.defaultValue)).build());
        }
        spec.addPositional(picocli.CommandLine.Model.PositionalParamSpec.builder().paramLabel("command").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class).description("the command to supervise, and its arguments").build());
        return spec;
    }

    /**
     * Parses, turning picocli's errors into this CLI's: {@code --bogus: unknown option (see supervise --help)},
     * {@code --tree: expected a value (NAME)}, {@code --tree: given twice}.
     */
    static picocli.CommandLine.ParseResult parseArgs(picocli.CommandLine cl, List<String> args) {
        try {
            return cl.parseArgs(args.toArray(String[]::new));
        } catch (picocli.CommandLine.UnmatchedArgumentException e) {
            String first = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
            String flag = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            String help = e.getCommandLine().getCommandName().equals("supervise") ? "supervise --help"
                    : "supervise " + e.getCommandLine().getCommandName() + " --help";
            if (!flag.startsWith("-")) throw new ConfigException(e.getCommandLine().getCommandName() + ": unexpected argument '" + first + "' (see " + help + ")");
            throw new ConfigException(flag + ": unknown option (see " + help + ")");
        } catch (picocli.CommandLine.OverwrittenOptionException e) {
            throw new ConfigException((e.getOverwritten() instanceof picocli.CommandLine.Model.OptionSpec o ? o.longestName() : e.getOverwritten().paramLabel()) + ": given twice");
        } catch (picocli.CommandLine.MissingParameterException e) {
            var missing = e.getMissing().isEmpty() ? null : e.getMissing().get(0);
            if (missing instanceof picocli.CommandLine.Model.OptionSpec o) {
                throw new ConfigException(o.longestName() + ": expected a value (" + o.paramLabel() + ")");
            }
            String name = e.getCommandLine().getCommandName();
            throw new ConfigException(name + ": " + (missing == null ? "an argument" : missing.paramLabel()) + " is required (see supervise "
                    + (name.equals("supervise") ? "" : name + " ") + "--help)");
        } catch (picocli.CommandLine.ParameterException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static CommandLine from(Map<Option, Setting> given, List<String> command, Map<String, String> env) {
        Map<Option, Setting> s = new EnumMap<>(Option.class);
        for (Option o : Option.values()) s.put(o, resolve(o, given.get(o), env));

        Mode mode = s.get(Option.CONFIG).value() != null ? Mode.CONFIG : Mode.WRAP;
        if (mode == Mode.CONFIG && !command.isEmpty()) {
            throw new ConfigException(s.get(Option.CONFIG).source() + ": a command after the options ('" + String.join(" ", command)
                    + "') cannot be combined with a tree file");
        }
        if (mode != Mode.WRAP) {
            for (Option o : Option.values()) {       // variables meant for a wrapped command are ignored here
                Setting v = given.get(o);
                if (o.wrapOnly && v != null) {
                    throw new ConfigException(v.source() + ": applies to a wrapped command (supervise [options] -- command),"
                            + " not to --config; set it in the tree file");
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
                logFormat(s.get(Option.LOG_FORMAT)),
                statusPort(s.get(Option.STATUS_PORT)),
                Optional.ofNullable(s.get(Option.HEALTH_BIND).value()).map(v -> Values.address(s.get(Option.HEALTH_BIND).source(), v)));
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

    private static CliLog.Format logFormat(Setting s) {
        return switch (s.value().trim().toLowerCase(Locale.ROOT)) {
            case "plain" -> CliLog.Format.PLAIN;
            case "json" -> CliLog.Format.JSON;
            default -> throw new ConfigException(s.source() + ": expected plain or json, was '" + s.value() + "'");
        };
    }

    private static OptionalInt statusPort(Setting s) {
        if (s.value().equalsIgnoreCase("off")) return OptionalInt.empty();
        return OptionalInt.of(Values.integer(s.source(), s.value(), 0, 65535));
    }
}

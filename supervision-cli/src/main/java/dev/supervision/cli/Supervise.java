package dev.supervision.cli;

import dev.supervision.journal.JournalException;
import dev.supervision.process.internal.launch.Launch;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * {@code supervise}: runs one command, or a tree described by a YAML/JSON file, under a supervisor;
 * run through {@code supervision-cli/bin/supervise}. Usage: {@code supervise --help}; reference:
 * docs/cli.md.
 */
public final class Supervise {
    private Supervise() {}

    public static void main(String[] args) {
        // The native launcher's set-up (its foreign-function handles: some 60 ms, which no start-up cache keeps) runs
        // on another core while the command line is read.
        Thread.ofPlatform().daemon().name("supervise-warm-up").start(Launch::launcher);
        PrintStream err = System.err;
        picocli.CommandLine cli = commands(args.length == 0 ? "" : args[0]);
        picocli.CommandLine.ParseResult parsed;
        try {
            parsed = CommandLine.parseArgs(cli, Arrays.asList(args));
        } catch (ConfigException e) {
            err.println("supervise: " + e.getMessage());
            System.exit(ExitCodes.USAGE);
            return;
        }
        if (parsed.subcommand() != null) System.exit(runSubcommand(parsed.subcommand()));
        CommandLine cl;
        try {
            cl = CommandLine.from(parsed, System.getenv());
        } catch (ConfigException e) {
            err.println("supervise: " + e.getMessage());
            System.exit(ExitCodes.USAGE);
            return;
        }
        if (cl.mode() == CommandLine.Mode.HELP) {
            cli.usage(System.out);
            System.exit(ExitCodes.OK);
        }
        if (cl.mode() == CommandLine.Mode.VERSION) {
            cli.printVersionHelp(System.out);
            System.exit(ExitCodes.OK);
        }
        CliLog.configure(cl.common().logLevel(), cl.common().logFormat(), System.getenv());
        ChildLogs logs = new ChildLogs();
        Plan plan;
        try {
            plan = cl.wrap().isPresent()
                    ? Plan.forCommand(cl.wrap().get(), cl.common(), logs)
                    : TreeConfig.load(cl.config().orElseThrow(), cl.treeSet() ? Optional.of(cl.common().tree()) : Optional.empty(),
                            cl.common().stateDir(), logs);
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("supervise: " + e.getMessage());
            System.exit(ExitCodes.USAGE);
            return;
        }
        Runner runner = new Runner(plan, logs);
        try {
            runner.install(cl.common());
        } catch (IOException e) {
            err.println("supervise: cannot listen: " + e.getMessage() + " (--status-port " + cl.common().statusPort().orElse(0)
                    + cl.common().healthBind().map(a -> ", --health-bind " + a.getHostString() + ":" + a.getPort()).orElse("") + ")");
            runner.exit(ExitCodes.USAGE);
        } catch (JournalException | IllegalStateException e) {
            err.println("supervise: " + e.getMessage());                 // a proxy's journal or address
            runner.exit(ExitCodes.CONFIG);
        } catch (RuntimeException | Error e) {
            LoggerFactory.getLogger("supervise").error("internal error before the tree started", e);
            runner.exit(ExitCodes.INTERNAL);
        }
        int code;
        try {
            code = runner.run();
        } catch (RuntimeException | Error e) {
            LoggerFactory.getLogger("supervise").error("internal error; stopping the tree", e);
            code = ExitCodes.INTERNAL;
        }
        runner.exit(code);
    }

    /** The names of the operator's subcommands: a program with one of these names is run after {@code --}. */
    static final List<String> SUBCOMMANDS = List.of("status", "restart", "stop", "start", "logs", "events", "crashes", "check", "completion");

    /**
     * The command line: the top-level command (a command or a tree file) and, when {@code first} names one or asks for
     * help, the operator's subcommands. Building the subcommands' model (reflection over their annotations) costs a
     * supervised command's start some 50 ms, so a start without them skips it.
     */
    static picocli.CommandLine commands(String first) {
        picocli.CommandLine cli = new picocli.CommandLine(CommandLine.spec());
        if (SUBCOMMANDS.contains(first) || first.equals("-h") || first.equals("--help")) addSubcommands(cli);
        return cli;
    }

    private static void addSubcommands(picocli.CommandLine cli) {
        cli.addSubcommand(new StatusCommand());
        cli.addSubcommand(new OperatorCommands.Restart());
        cli.addSubcommand(new OperatorCommands.Stop());
        cli.addSubcommand(new OperatorCommands.Start());
        cli.addSubcommand(new OperatorCommands.Logs());
        cli.addSubcommand(new OperatorCommands.Events());
        cli.addSubcommand(new OperatorCommands.Crashes());
        cli.addSubcommand(new OperatorCommands.Check());
        picocli.CommandLine completion = new picocli.CommandLine(new picocli.AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().description("A bash/zsh completion script: source <(supervise completion)");
        cli.addSubcommand("completion", completion);
        cli.getCommandSpec().usageMessage()
                .description("Runs a command, or a tree described in YAML or JSON, under a supervisor; and acts on running trees.")
                .footer("", "A command named like a subcommand (status, logs, ...) or starting with '-' goes after '--'.",
                        "Exit status: 0 stopped by SIGTERM/SIGINT; 75 gave up (more failures than --max-start-retries within",
                        "--retry-window); 78 a configuration no restart can fix; 2 bad usage; with --auto-recovery off, the",
                        "command's own status (126/127 if it could not be executed); 1 internal error.",
                        "Reference: docs/cli.md");
    }

    /** Runs a subcommand: its help if asked, else its {@code call()}; 2 for bad usage. */
    private static int runSubcommand(picocli.CommandLine.ParseResult sub) {
        picocli.CommandLine cl = sub.commandSpec().commandLine();
        if (sub.isUsageHelpRequested()) {
            cl.usage(System.out);
            return ExitCodes.OK;
        }
        try {
            Object command = sub.commandSpec().userObject();
            if (command instanceof java.util.concurrent.Callable<?> c) return ((Number) c.call()).intValue();
            ((Runnable) command).run();
            return ExitCodes.OK;
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("supervise " + sub.commandSpec().name() + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            return ExitCodes.OK;
        } catch (Exception e) {
            System.err.println("supervise " + sub.commandSpec().name() + ": " + e);
            return ExitCodes.INTERNAL;
        }
    }

    /** What {@code supervise --version} prints: the version, where it is installed, and the Java that runs it. */
    static String[] version() {
        String v = Optional.ofNullable(Supervise.class.getPackage().getImplementationVersion()).orElse("(built from a checkout)");
        String home = System.getProperty("supervise.home");
        String javaHome = System.getProperty("java.home");
        boolean bundled = home != null && Path.of(javaHome).startsWith(Path.of(home));
        return new String[] {
            "supervise " + v + (home == null ? "" : ", installed in " + home),
            "Java " + System.getProperty("java.version") + " (" + (bundled ? "bundled runtime" : javaHome) + ")"
        };
    }
}

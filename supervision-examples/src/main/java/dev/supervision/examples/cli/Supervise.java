package dev.supervision.examples.cli;

import dev.supervision.journal.JournalException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * {@code supervise}: runs one command, or a tree described by a YAML/JSON file, under a supervisor;
 * run through {@code supervision-examples/bin/supervise}. Usage: {@code supervise --help}; reference:
 * docs/cli.md.
 */
public final class Supervise {
    private Supervise() {}

    public static void main(String[] args) {
        PrintStream err = System.err;
        CommandLine cl;
        try {
            cl = CommandLine.parse(Arrays.asList(args), System.getenv());
        } catch (ConfigException e) {
            err.println("supervise: " + e.getMessage());
            System.exit(ExitCodes.USAGE);
            return;
        }
        if (cl.mode() == CommandLine.Mode.HELP) {
            System.out.print(usage());
            System.exit(ExitCodes.OK);
        }
        configureLogging(cl.common().logLevel());
        if (cl.mode() == CommandLine.Mode.STATUS) {
            try {
                System.exit(StatusCommand.run(cl.common(), System.out, err));
            } catch (IOException | InterruptedException e) {
                err.println("supervise status: " + e);
                System.exit(StatusCommand.NOT_RUNNING);
            }
        }
        Plan plan;
        try {
            plan = cl.wrap().isPresent()
                    ? Plan.forCommand(cl.wrap().get(), cl.common())
                    : TreeConfig.load(cl.config().orElseThrow(), cl.treeSet() ? Optional.of(cl.common().tree()) : Optional.empty(),
                            cl.common().stateDir());
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("supervise: " + e.getMessage());
            System.exit(ExitCodes.USAGE);
            return;
        }
        Runner runner = new Runner(plan);
        try {
            runner.install(cl.common());
        } catch (IOException e) {
            err.println("supervise: cannot start the status endpoint on 127.0.0.1:" + cl.common().statusPort().orElse(0)
                    + " (--status-port): " + e.getMessage());
            runner.exit(ExitCodes.USAGE);
        } catch (JournalException | IllegalStateException e) {
            err.println("supervise: " + e.getMessage());                 // a proxy's journal or address
            runner.exit(ExitCodes.CONFIG);
        }
        int code;
        try {
            code = runner.run();
        } catch (RuntimeException e) {
            LoggerFactory.getLogger("supervise").error("internal error; stopping the tree", e);
            code = ExitCodes.INTERNAL;
        }
        runner.exit(code);
    }

    /** slf4j-simple, read at its first use: the level, and times on each line. */
    private static void configureLogging(String level) {
        Map.of("org.slf4j.simpleLogger.defaultLogLevel", level,
                "org.slf4j.simpleLogger.showDateTime", "true",
                "org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
                "org.slf4j.simpleLogger.showThreadName", "false",
                "org.slf4j.simpleLogger.levelInBrackets", "true")
           .forEach(System::setProperty);
    }

    /** The text of {@code supervise --help}. */
    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                Usage:
                  supervise [options] [--] command [args...]   run one command under a supervisor
                  supervise [options] --config tree.yaml       run a tree described in YAML or JSON
                  supervise status [--state-dir DIR] [--tree NAME]
                                                               print the running tree's children

                Options (each also set by the environment variable shown; the command line wins):
                """);
        for (Option o : Option.values()) {
            sb.append(String.format("  %-34s %s%n", o.flag + " " + o.valueName, o.help));
            sb.append(String.format("  %-34s env %s%s%s%n", "", o.variable(),
                    o.seedVariable == null ? "" : " or " + o.seedVariable,
                    o.defaultValue == null ? "" : ", default " + o.defaultValue));
        }
        sb.append("""
                  -h, --help                         this text

                A command starting with '-', or named 'status', goes after '--'.
                Retries: with auto recovery on, N = --max-start-retries restarts are allowed within
                --retry-window (sliding); the next failure (a crash, or a start that fails) gives up.
                Failed first starts count toward N too. Backoff applies between all attempts.

                Exit status:
                  0    stopped by SIGTERM or SIGINT (the command's process tree is stopped first)
                  75   gave up: more failures than --max-start-retries within --retry-window
                  2    bad usage or configuration; nothing was started
                  N    auto recovery off: the command's own exit status (128+signal if killed;
                       127 if it could not be launched)
                  1    internal error

                Status endpoint (127.0.0.1, port in <state-dir>/<tree>/status.port):
                  GET /status (Authorization: Bearer <status.token>), /livez, /readyz
                Reference: docs/cli.md
                """);
        return sb.toString();
    }
}

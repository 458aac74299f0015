package dev.supervision.cli;

import dev.supervision.internal.Json;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operator's commands besides {@code status}: {@code restart}, {@code stop}, {@code start}, {@code logs},
 * {@code events}, {@code crashes} and {@code check}. Each talks to a running tree through its status endpoint (with
 * the token), except {@code crashes} (the crash history file) and {@code check} (the tree file alone). Exit status:
 * 0 done, 1 the tree is not running or refused, 2 bad usage.
 */
final class OperatorCommands {
    private static final Duration CALL = Duration.ofSeconds(150);

    private OperatorCommands() {}

    /** Runs {@code body}, printing an {@link Ctl.Unreachable} as {@code supervise NAME: message} and answering 1. */
    private static int reach(CommandSpec spec, Body body) throws InterruptedException {
        try {
            return body.run();
        } catch (Ctl.Unreachable e) {
            spec.commandLine().getErr().println("supervise " + spec.name() + ": " + e.getMessage());
            return Ctl.FAILED;
        }
    }

    private interface Body {
        int run() throws Ctl.Unreachable, InterruptedException;
    }

    private static String encode(String child) {
        return URLEncoder.encode(child, StandardCharsets.UTF_8).replace("%2F", "/");
    }

    /** {@code restart|stop|start CHILD}. */
    abstract static class ChildAction implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Ctl.Target target = new Ctl.Target();
        @Parameters(paramLabel = "CHILD", description = "a child of the top-level tree, by its id") String child;

        @Override
        public Integer call() throws InterruptedException {
            return reach(spec, () -> {
                Ctl.Tree tree = target.one(System.getenv());
                HttpResponse<String> r = Ctl.post(tree, "/children/" + encode(child) + "/" + spec.name(), CALL);
                if (r.statusCode() != 200) {
                    spec.commandLine().getErr().println("supervise " + spec.name() + ": " + Ctl.error(r));
                    return Ctl.FAILED;
                }
                spec.commandLine().getOut().println(child + ": " + done() + " (tree " + tree.name() + ")");
                return 0;
            });
        }

        abstract String done();
    }

    @Command(name = "restart", description = "Stop a child and start it again (not counted as a crash).")
    static final class Restart extends ChildAction {
        @Override String done() { return "restarted"; }
    }

    @Command(name = "stop", description = "Stop a child; it stays stopped until 'supervise start' (OTP's terminate_child).")
    static final class Stop extends ChildAction {
        @Override String done() { return "stopped"; }
    }

    @Command(name = "start", description = "Start a stopped child again (OTP's restart_child).")
    static final class Start extends ChildAction {
        @Override String done() { return "started"; }
    }

    @Command(name = "logs", description = "The last lines a process child wrote (both streams), and with -f the new ones as they come.")
    static final class Logs implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Ctl.Target target = new Ctl.Target();
        @Parameters(paramLabel = "CHILD", description = "a process child: its id, or supervisor/id under a nested supervisor") String child;
        @Option(names = {"-f", "--follow"}, description = "keep printing new lines until interrupted") boolean follow;
        @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "how many of the last lines (default ${DEFAULT-VALUE}, at most 1000)")
        int lines = 50;

        @Override
        public Integer call() throws InterruptedException {
            return reach(spec, () -> follow(spec, target.one(System.getenv()), "/children/" + encode(child) + "/logs", lines, follow,
                    e -> String.valueOf(e)));
        }
    }

    @Command(name = "events", description = "The tree's recent events, one sentence each (or JSON), and with -f the new ones as they come.")
    static final class Events implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Ctl.Target target = new Ctl.Target();
        @Option(names = {"-f", "--follow"}, description = "keep printing new events until interrupted") boolean follow;
        @Option(names = "--json", description = "one JSON object per line: time, type, supervisor, child, text") boolean json;
        @Option(names = {"-n", "--events"}, paramLabel = "N", description = "how many of the last events (default ${DEFAULT-VALUE}, at most 1000)")
        int events = 50;

        @Override
        public Integer call() throws InterruptedException {
            return reach(spec, () -> follow(spec, target.one(System.getenv()), "/events", events, follow,
                    e -> json ? Json.write(e) : ((Map<?, ?>) e).get("time") + "  " + ((Map<?, ?>) e).get("text")));
        }
    }

    /** Prints a feed's last {@code n} entries, then, following, the new ones (long polls of 25 s) until interrupted. */
    private static int follow(CommandSpec spec, Ctl.Tree tree, String path, int n, boolean follow,
                              java.util.function.Function<Object, String> line) throws Ctl.Unreachable, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        String query = "?max=" + Math.clamp(n, 1, 1000);
        boolean first = true;
        while (true) {
            HttpResponse<String> r = Ctl.get(tree, path + query, Duration.ofSeconds(35));
            if (r.statusCode() != 200) {
                spec.commandLine().getErr().println("supervise " + spec.name() + ": " + Ctl.error(r));
                return Ctl.FAILED;
            }
            Map<?, ?> page = (Map<?, ?>) Json.parse(r.body());
            if (first && page.get("sinks") instanceof List<?> sinks && !sinks.isEmpty()) {
                spec.commandLine().getErr().println("(besides here, " + String.join("; ", sinks.stream().map(String::valueOf).toList()) + ")");
            }
            if (Boolean.TRUE.equals(page.get("missed"))) out.println("... (lines were dropped: more came than are kept)");
            for (Object e : (List<?>) page.get("entries")) out.println(line.apply(e));
            out.flush();
            if (!follow) return 0;
            first = false;
            query = "?max=1000&wait=25000&after=" + page.get("next");
        }
    }

    @Command(name = "crashes", description = "The crash history: counts by kind, and the most recent reports in full.")
    static final class Crashes implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin Ctl.Target target = new Ctl.Target();
        @Parameters(paramLabel = "CHILD", arity = "0..1", description = "only this child's crashes") String child;
        @Option(names = "--kind", paramLabel = "KIND", description = "only crashes of this kind (GPU_OOM, KILLED, ...)") String kind;
        @Option(names = {"-n", "--reports"}, paramLabel = "N", description = "how many recent reports in full (default ${DEFAULT-VALUE})")
        int reports = 3;

        @Override
        public Integer call() throws InterruptedException {
            return reach(spec, () -> {
                Map<String, String> env = System.getenv();
                Path stateDir = target.stateDir(env);
                PrintWriter out = spec.commandLine().getOut();
                for (String tree : target.candidates(env)) {
                    CrashHistory history = CrashHistory.open(stateDir, tree);
                    List<CrashReport> all = history.all().stream()
                            .filter(c -> child == null || c.child().equals(child))
                            .filter(c -> kind == null || c.kind().equalsIgnoreCase(kind)).toList();
                    out.println("tree " + tree + ": " + all.size() + " crash(es)" + (child == null ? "" : " of " + child)
                            + (kind == null ? "" : " of kind " + kind) + " in " + history.file());
                    Map<String, Long> counts = new java.util.TreeMap<>();
                    all.forEach(c -> counts.merge(c.child() + " " + c.kind(), 1L, Long::sum));
                    counts.forEach((k, v) -> out.println("  " + k + ": " + v));
                    for (CrashReport c : all.subList(Math.max(0, all.size() - reports), all.size())) {
                        out.println();
                        out.println(c);
                    }
                }
                return 0;
            });
        }
    }

    @Command(name = "check", description = "Validate a tree file without starting anything: exit 0 when valid, 2 naming the first mistake.")
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "FILE", description = "a tree file, YAML or JSON") Path file;

        @Override
        public Integer call() {
            try {
                Plan plan = TreeConfig.load(file, Optional.empty(), ProcessSpec.defaultStateDirectory(), new ChildLogs());
                spec.commandLine().getOut().println(file + ": valid, tree '" + plan.root().name() + "' with " + plan.processes().size()
                        + " process child(ren)" + (plan.proxies().isEmpty() ? "" : " and " + plan.proxies().size() + " proxy(ies)"));
                return ExitCodes.OK;
            } catch (ConfigException | IllegalArgumentException e) {
                spec.commandLine().getErr().println("supervise: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
    }
}

package dev.supervision.cli;

import dev.supervision.Human;
import dev.supervision.internal.Json;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code supervise status}: asks each running tree's {@code /status} (or the one named) and prints one line per child
 * (nested supervisors' children as {@code parent/child}): state, pid (also while starting), uptime, restarts, next
 * restart and the last exit; a line per replaying proxy; with {@code --details}, each child's last crash report from
 * the crash history; with {@code --json}, the documents as the endpoint gives them; with {@code --watch}, again every
 * two seconds.
 */
@Command(name = "status", description = "The running tree(s): a line per child, a line per proxy.")
final class StatusCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Ctl.Target target = new Ctl.Target();
    @Option(names = "--json", description = "the /status documents as JSON, one line per tree") boolean json;
    @Option(names = "--details", description = "each child's last crash report in full, from the crash history") boolean details;
    @Option(names = {"-w", "--watch"}, description = "print again every 2 seconds until interrupted") boolean watch;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean tty = System.console() != null;
        while (true) {
            StringBuilder sb = new StringBuilder();
            int code = print(sb, err);
            if (watch && tty) out.print("\033[H\033[2J");
            out.print(sb);
            out.flush();
            if (!watch) return code;
            Thread.sleep(2_000);                                  // the watch interval: a terminal refresh, nothing awaited
        }
    }

    private int print(StringBuilder out, PrintWriter err) throws InterruptedException {
        Map<String, String> env = System.getenv();
        List<String> names;
        try {
            names = target.candidates(env);
        } catch (Ctl.Unreachable e) {
            err.println("supervise status: " + e.getMessage());
            return Ctl.FAILED;
        }
        int code = 0;
        for (String name : names) {
            try {
                Ctl.Tree tree = Ctl.open(target.stateDir(env), name);
                HttpResponse<String> r = Ctl.get(tree, "/status", Duration.ofSeconds(5));
                if (r.statusCode() != 200) throw new Ctl.Unreachable("tree '" + name + "' answered " + r.statusCode() + ": " + Ctl.error(r));
                if (json) {
                    out.append(r.body()).append('\n');
                    continue;
                }
                Map<?, ?> doc = (Map<?, ?>) Json.parse(r.body());
                HttpResponse<String> metrics = Ctl.get(tree, "/metrics", Duration.ofSeconds(5));
                out.append(render(doc, metrics.statusCode() == 200 ? memory(metrics.body()) : Map.of()));
                HttpResponse<String> proxies = Ctl.get(tree, "/proxies", Duration.ofSeconds(5));
                if (proxies.statusCode() == 200) {
                    for (Object o : (List<?>) Json.parse(proxies.body())) {
                        Map<?, ?> p = (Map<?, ?>) o;
                        out.append("proxy for ").append(p.get("child")).append(" on ").append(p.get("uri")).append(": ")
                           .append(p.get("pending")).append(" pending, ").append(p.get("inFlight")).append(" in flight, ")
                           .append(p.get("deadLettered")).append(" dead-lettered, ").append(p.get("completed")).append(" completed, ")
                           .append(p.get("failed")).append(" failed (kept for the retention)\n");
                    }
                }
                out.append("page: ").append(tree.base()).append("/ (it asks for the token in ")
                   .append(target.stateDir(env).resolve(name).resolve(StatusServer.TOKEN_FILE)).append(", or open ").append(tree.base())
                   .append("/#token=TOKEN)\n");
                if (details) details(out, target.stateDir(env), name, doc, "");
            } catch (Ctl.Unreachable e) {
                err.println("supervise status: " + e.getMessage());
                code = Ctl.FAILED;
            }
        }
        return code;
    }

    /** Each process child's last crash report, from the tree's crash history. */
    private static void details(StringBuilder out, Path stateDir, String tree, Map<?, ?> doc, String prefix) {
        CrashHistory history = CrashHistory.open(stateDir, tree);
        for (Object o : (List<?>) doc.get("children")) {
            Map<?, ?> c = (Map<?, ?>) o;
            if (c.get("subtree") instanceof Map<?, ?> sub) {
                details(out, stateDir, tree, sub, prefix + c.get("name") + "/");
                continue;
            }
            List<CrashReport> last = history.recent(String.valueOf(c.get("name")), 1);
            out.append('\n').append(prefix).append(c.get("name")).append(": ")
               .append(last.isEmpty() ? "no crash recorded in " + history.file() + "\n" : "last crash\n" + last.get(0) + "\n");
        }
    }

    /**
     * The table printed for a {@code /status} document; {@code memory}: resident bytes by child path (from
     * {@code /metrics}), empty when not known.
     */
    static String render(Map<?, ?> tree, Map<String, Long> memory) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CHILD", "STATE", "PID", "UPTIME", "RESTARTS", "NEXT RESTART", "MEMORY", "LAST EXIT"});
        rows(rows, tree, "", memory);
        int[] width = new int[7];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r[i].length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("tree ").append(tree.get("name")).append(" [").append(tree.get("strategy"))
          .append(Boolean.TRUE.equals(tree.get("running")) ? "" : ", terminated").append("]\n");
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) sb.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
            sb.append(r[7]).append('\n');
        }
        return sb.toString();
    }

    /** A last exit without its bracketed evidence (in full in the crash report: {@code --details}). */
    static String shortExit(String exit) {
        int bracket = exit.indexOf(" [");
        return bracket < 0 ? exit : exit.substring(0, bracket);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String uptime(long seconds) {
        if (seconds < 60) return seconds + "s";
        if (seconds < 3600) return String.format("%dm%02ds", seconds / 60, seconds % 60);
        if (seconds < 86400) return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        return String.format("%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
    }

    /** {@code supervise_child_resident_memory_bytes} by child, from a {@code /metrics} text. */
    static Map<String, Long> memory(String metrics) {
        Map<String, Long> m = new java.util.HashMap<>();
        java.util.regex.Matcher x = java.util.regex.Pattern.compile(
                "(?m)^supervise_child_resident_memory_bytes\\{tree=\"[^\"]*\",child=\"([^\"]*)\"} (\\d+)$").matcher(metrics);
        while (x.find()) m.put(x.group(1), Long.parseLong(x.group(2)));
        return m;
    }

    private static void rows(List<String[]> rows, Map<?, ?> tree, String prefix, Map<String, Long> memory) {
        for (Object o : (List<?>) tree.get("children")) {
            Map<?, ?> c = (Map<?, ?>) o;
            Map<?, ?> details = c.get("details") instanceof Map<?, ?> d ? d : Map.of();
            Object uptime = details.get("uptimeMillis");
            rows.add(new String[] {
                prefix + c.get("name"),
                String.valueOf(c.get("state")) + (Boolean.FALSE.equals(details.get("ready")) ? " (not ready)" : ""),
                details.get("pid") == null ? "-" : String.valueOf(details.get("pid")),
                uptime == null ? "-" : uptime(((Number) uptime).longValue() / 1000),
                String.valueOf(c.get("restarts")),
                c.get("nextRestartInMillis") instanceof Number n ? "in " + Human.duration(Duration.ofMillis(n.longValue())) : "-",
                memory.containsKey(prefix + c.get("name")) ? Human.bytes(memory.get(prefix + c.get("name"))) : "-",
                c.get("lastExit") == null ? "-" : shortExit(String.valueOf(c.get("lastExit"))),
            });
            if (c.get("subtree") instanceof Map<?, ?> sub) rows(rows, sub, prefix + c.get("name") + "/", memory);
        }
    }
}

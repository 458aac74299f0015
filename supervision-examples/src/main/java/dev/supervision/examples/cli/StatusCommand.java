package dev.supervision.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code supervise status}: reads {@code <stateDir>/<tree>/status.port} and {@code status.token},
 * asks the running CLI's {@code /status} and prints one line per child (nested supervisors' children
 * as {@code parent/child}): state, pid, uptime, restarts and the last exit.
 */
final class StatusCommand {
    /** The tree answered. */
    static final int OK = 0;
    /** No tree of that name is running there (no port file, or nothing listening). */
    static final int NOT_RUNNING = 1;

    private StatusCommand() {}

    static int run(CommandLine.Common common, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path dir = common.stateDir().resolve(common.tree());
        String port;
        String token;
        try {
            port = Files.readString(dir.resolve(StatusServer.PORT_FILE)).trim();
            token = Files.readString(dir.resolve(StatusServer.TOKEN_FILE)).trim();
        } catch (NoSuchFileException e) {
            err.println("supervise status: no tree '" + common.tree() + "' is running with state directory " + common.stateDir()
                    + " (no " + e.getFile() + "); pass the --state-dir and --tree it was started with");
            return NOT_RUNNING;
        }
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).GET().build();
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            err.println("supervise status: tree '" + common.tree() + "' is not running (nothing listens on 127.0.0.1:" + port
                    + ", from " + dir.resolve(StatusServer.PORT_FILE) + ")");
            return NOT_RUNNING;
        }
        if (response.statusCode() != 200) {
            err.println("supervise status: tree '" + common.tree() + "' answered " + response.statusCode() + ": " + response.body());
            return NOT_RUNNING;
        }
        Map<?, ?> tree = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(response.body());
        out.print(render(tree));
        HttpResponse<String> proxies;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            proxies = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/proxies"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
        if (proxies.statusCode() == 200) {
            for (Object o : (List<?>) new Load(LoadSettings.builder().build()).loadFromString(proxies.body())) {
                Map<?, ?> p = (Map<?, ?>) o;
                out.println("proxy for " + p.get("child") + " on " + p.get("uri") + ": " + p.get("pending") + " pending, " + p.get("inFlight")
                        + " in flight, " + p.get("deadLettered") + " dead-lettered, " + p.get("completed") + " completed, "
                        + p.get("failed") + " failed (kept for the retention)");
            }
        }
        return OK;
    }

    /** The table printed for a {@code /status} document. */
    static String render(Map<?, ?> tree) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CHILD", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT"});
        rows(rows, tree, "");
        int[] width = new int[5];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r[i].length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("tree ").append(tree.get("name")).append(" [").append(tree.get("strategy"))
          .append(Boolean.TRUE.equals(tree.get("running")) ? "" : ", terminated").append("]\n");
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) sb.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
            sb.append(r[5]).append('\n');
        }
        return sb.toString();
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String uptime(long seconds) {
        if (seconds < 60) return seconds + "s";
        if (seconds < 3600) return String.format("%dm%02ds", seconds / 60, seconds % 60);
        if (seconds < 86400) return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        return String.format("%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
    }

    private static void rows(List<String[]> rows, Map<?, ?> tree, String prefix) {
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
                c.get("lastExit") == null ? "-" : String.valueOf(c.get("lastExit")),
            });
            if (c.get("subtree") instanceof Map<?, ?> sub) rows(rows, sub, prefix + c.get("name") + "/");
        }
    }
}

package dev.supervision.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.supervision.ChildInfo;
import dev.supervision.ChildState;
import dev.supervision.Supervisor;
import dev.supervision.TreeSnapshot;
import dev.supervision.internal.Json;
import dev.supervision.journal.JournalCounts;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.ProcessDetails;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status endpoint, on 127.0.0.1 only: {@code GET /status} (with {@code Authorization: Bearer
 * <token>}) answers the tree snapshot as JSON ({@link TreeSnapshot#toJson()}); {@code /livez} answers 200 when
 * the root supervisor's loop answers a query within a second, else 503; {@code /readyz} answers 200
 * when every child is RUNNING and ready, else 503. The port and a random token are written to
 * {@code <stateDir>/<tree>/status.port} and {@code status.token} (mode 600), removed by {@link #close}.
 */
final class StatusServer implements AutoCloseable {
    static final String PORT_FILE = "status.port";
    static final String TOKEN_FILE = "status.token";
    private static final long QUERY_TIMEOUT_MS = 1_000;
    /** The longest a control call (restart, stop, start) waits for the supervisor before it answers 504. */
    private static final long CONTROL_TIMEOUT_S = 120;
    private static final Logger LOG = LoggerFactory.getLogger("supervise");

    private final Runner runner;
    private final HttpServer server;
    private final byte[] token;
    private final Path dir;

    private StatusServer(Runner runner, HttpServer server, byte[] token, Path dir) {
        this.runner = runner;
        this.server = server;
        this.token = token;
        this.dir = dir;
    }

    /** Binds 127.0.0.1:{@code port} (0: any free port), writes the port and token files, and serves. */
    static StatusServer start(Runner runner, Path stateDir, String tree, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        Path dir = stateDir.resolve(tree);
        StatusServer s = new StatusServer(runner, server, token.getBytes(StandardCharsets.US_ASCII), dir);
        server.createContext("/", s::page);
        server.createContext("/metrics", s::metrics);
        server.createContext("/crashes", s::crashes);
        server.createContext("/status", s::status);
        server.createContext("/livez", s::livez);
        server.createContext("/readyz", s::readyz);
        server.createContext("/proxies", s::proxies);
        server.createContext("/children/", s::children);
        server.createContext("/events", s::events);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        try {
            Files.createDirectories(dir);
            writePrivate(dir.resolve(TOKEN_FILE), token);
            writePrivate(dir.resolve(PORT_FILE), String.valueOf(server.getAddress().getPort()));
        } catch (IOException e) {
            server.stop(0);
            throw e;
        }
        return s;
    }

    /**
     * The health listener ({@code --health-bind}): {@code /livez}, {@code /readyz} and {@code /metrics} without the
     * token, on the address the operator chose (for Kubernetes' httpGet probes and Prometheus), nothing else.
     */
    static StatusServer startHealth(Runner runner, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        StatusServer s = new StatusServer(runner, server, null, null);
        server.createContext("/livez", s::livez);
        server.createContext("/readyz", s::readyz);
        server.createContext("/metrics", s::metrics);
        server.createContext("/", ex -> send(ex, 404, Json.write(Map.of("error",
                "this address serves /livez, /readyz and /metrics only; the rest is on the status endpoint, with its token"))));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return s;
    }

    int port() { return server.getAddress().getPort(); }

    Path tokenFile() { return dir.resolve(TOKEN_FILE); }

    /** Stops serving and removes the port and token files. */
    @Override
    public void close() {
        server.stop(0);
        if (dir == null) return;                                  // the health listener writes no files
        try {
            Files.deleteIfExists(dir.resolve(PORT_FILE));
            Files.deleteIfExists(dir.resolve(TOKEN_FILE));
        } catch (IOException e) {
            // the JVM is exiting; a stale file is detected by the client (connection refused)
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether the request carries the token (the health listener has none to ask for); answers 401 when not. */
    private boolean authorized(HttpExchange ex) throws IOException {
        if (token == null) return true;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = auth != null && auth.startsWith("Bearer ")
                ? auth.substring("Bearer ".length()).trim().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
            send(ex, 401, "{\"error\":\"missing or wrong bearer token (see " + TOKEN_FILE + ")\"}");
            return false;
        }
        return true;
    }

    /**
     * The replaying proxies. {@code GET /proxies}: {@code [{"child", "uri", "pending", "inFlight", "completed",
     * "failed", "deadLettered"}]} (the journals' counts). {@code GET /proxies/CHILD/dead-letters}: that proxy's dead
     * letters, oldest first, {@code [{"id", "idempotencyKey", "method", "path", "attempts", "admitted", "deadLettered",
     * "reason"}]}. {@code POST /proxies/CHILD/dead-letters/ID/replay}: the operator's replay (202, the request pending
     * again; 404 for an unknown child or id; 409 for a request that is not dead-lettered or failed).
     */
    private void proxies(HttpExchange ex) throws IOException {
        String[] parts = ex.getRequestURI().getPath().split("/");       // "", "proxies", child, "dead-letters", id, "replay"
        if (parts.length <= 2) {
            if (!get(ex) || !authorized(ex)) return;
            List<Object> list = new ArrayList<>();
            for (Runner.RunningProxy p : runner.proxies()) {
                var c = p.journal().counts();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("child", p.child());
                m.put("uri", p.proxy().uri().toString());
                m.put("pending", c.pending());
                m.put("inFlight", c.inFlight());
                m.put("completed", c.completed());
                m.put("failed", c.failed());
                m.put("deadLettered", c.deadLettered());
                list.add(m);
            }
            send(ex, 200, Json.write(list));
            return;
        }
        boolean listing = parts.length == 4 && parts[3].equals("dead-letters");
        boolean replay = parts.length == 6 && parts[3].equals("dead-letters") && parts[5].equals("replay");
        if (!listing && !replay) {
            send(ex, 404, Json.write(Map.of("error", "no such path: " + ex.getRequestURI().getPath())));
            return;
        }
        if (listing ? !get(ex) : !post(ex)) return;
        if (!authorized(ex)) return;
        Runner.RunningProxy proxy = runner.proxies().stream().filter(p -> p.child().equals(parts[2])).findFirst().orElse(null);
        if (proxy == null) {
            send(ex, 404, Json.write(Map.of("error", "no proxy for a child '" + parts[2] + "'")));
            return;
        }
        if (listing) {
            List<Object> list = new ArrayList<>();
            for (JournaledRequest e : proxy.proxy().deadLetters()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", e.id());
                m.put("idempotencyKey", e.request().idempotencyKey().orElse(null));
                m.put("method", e.request().method());
                m.put("path", e.request().target());
                m.put("attempts", e.attempts());
                m.put("admitted", e.createdAt().toString());
                m.put("deadLettered", e.updatedAt().toString());
                m.put("reason", e.lastError().orElse(""));
                list.add(m);
            }
            send(ex, 200, Json.write(list));
            return;
        }
        try {
            JournaledRequest e = proxy.proxy().replay(parts[4]);
            LOG.info("proxy for '{}': dead letter {} replayed by an operator", proxy.child(), e.id());
            send(ex, 202, Json.write(Map.of("id", e.id(), "state", e.state().toString())));
        } catch (IllegalArgumentException e) {
            send(ex, e.getMessage().startsWith("no request") ? 404 : 409, Json.write(Map.of("error", e.getMessage())));
        } catch (CompletionException e) {
            send(ex, 503, Json.write(Map.of("error", "the journal could not store the replay: " + e.getCause().getMessage())));
        }
    }

    /**
     * {@code POST /children/ID/restart|stop|start}: acts on a child of the top-level tree (stop: terminated and not
     * restarted until started again, OTP's {@code terminate_child}; start: OTP's {@code restart_child} of a stopped
     * child; restart: both). {@code GET /children/PATH/logs?after=N&wait=MS&max=N}: the child's last lines (see
     * {@link #page}).
     */
    private void children(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/children/".length());
        int slash = path.lastIndexOf('/');
        String child = slash < 0 ? "" : path.substring(0, slash);
        String action = slash < 0 ? path : path.substring(slash + 1);
        if (child.isEmpty() || !List.of("restart", "stop", "start", "logs").contains(action)) {
            send(ex, 404, Json.write(Map.of("error", "no such path: " + ex.getRequestURI().getPath()
                    + " (expected /children/CHILD/restart, stop, start or logs)")));
            return;
        }
        if (action.equals("logs") ? !get(ex) : !post(ex)) return;
        if (!authorized(ex)) return;
        if (action.equals("logs")) {
            Feed feed = runner.logs().of(child).orElse(null);
            if (feed == null) {
                send(ex, 404, Json.write(Map.of("error", "no process child '" + child + "' (a nested one is named supervisor/child)")));
                return;
            }
            page(ex, feed, false, Map.of("sinks", runner.sinks(child)));
            return;
        }
        Supervisor sup = runner.current();
        if (sup == null || runner.stopping()) {
            send(ex, 503, Json.write(Map.of("error", "no supervisor is running")));
            return;
        }
        try {
            switch (action) {
                case "stop" -> sup.terminateChild(child).get(CONTROL_TIMEOUT_S, TimeUnit.SECONDS);
                case "start" -> sup.restartChild(child).get(CONTROL_TIMEOUT_S, TimeUnit.SECONDS);
                default -> {
                    sup.terminateChild(child).get(CONTROL_TIMEOUT_S, TimeUnit.SECONDS);
                    sup.restartChild(child).get(CONTROL_TIMEOUT_S, TimeUnit.SECONDS);
                }
            }
        } catch (ExecutionException e) {
            String why = e.getCause().getMessage() == null ? e.getCause().toString() : e.getCause().getMessage();
            boolean unknown = why.contains("not_found") || why.contains("no child");
            send(ex, unknown ? 404 : 409, Json.write(Map.of("error", "cannot " + action + " '" + child + "': " + why)));
            return;
        } catch (TimeoutException e) {
            send(ex, 504, Json.write(Map.of("error", action + " of '" + child + "' takes longer than " + CONTROL_TIMEOUT_S
                    + " s; it goes on")));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        LOG.info("{}: {} by an operator", child, switch (action) {
            case "stop" -> "stopped";
            case "start" -> "started";
            default -> "restarted";
        });
        send(ex, 200, Json.write(Map.of("child", child, "done", action)));
    }

    /** {@code GET /events?after=N&wait=MS&max=N}: the tree's recent events, each a JSON object (see {@link #page}). */
    private void events(HttpExchange ex) throws IOException {
        if (!get(ex) || !authorized(ex)) return;
        page(ex, runner.events(), true, Map.of());
    }

    /**
     * A page of a feed: {@code {"next": N, "missed": bool, "entries": [...]}}, the entries numbered after {@code after}
     * (default: the last {@code max}, default 100, at most 1,000), waiting up to {@code wait} ms (at most 30 s) when
     * there are none yet; the client asks again with {@code after=next}.
     */
    private static void page(HttpExchange ex, Feed feed, boolean entriesAreJson, Map<String, Object> extra) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        long after;
        int max;
        long wait;
        try {
            after = Long.parseLong(q.getOrDefault("after", "-1"));
            max = Math.clamp(Integer.parseInt(q.getOrDefault("max", "100")), 1, 1_000);
            wait = Math.clamp(Long.parseLong(q.getOrDefault("wait", "0")), 0, 30_000);
        } catch (NumberFormatException e) {
            send(ex, 400, Json.write(Map.of("error", "after, max and wait are integers: " + e.getMessage())));
            return;
        }
        Feed.Page page;
        try {
            page = feed.after(after, max, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        List<Object> entries = new ArrayList<>();
        for (String e : page.entries()) entries.add(entriesAreJson ? Json.parse(e) : e);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("next", page.next());
        m.put("missed", page.missed());
        m.put("entries", entries);
        m.putAll(extra);
        send(ex, 200, Json.write(m));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) return q;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) q.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    /** {@code GET /metrics}: Prometheus' text format (see {@link Metrics}). */
    private void metrics(HttpExchange ex) throws IOException {
        if (!get(ex) || !authorized(ex)) return;
        Map<String, JournalCounts> proxies = new LinkedHashMap<>();
        for (Runner.RunningProxy p : runner.proxies()) proxies.put(p.child(), p.journal().counts());
        byte[] body = runner.metrics().render(snapshot(), proxies).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * {@code GET /crashes?child=PATH&n=N}: the last {@code n} (default 1, at most 100) crash reports of the child from
     * the crash history, oldest first: {@code [{"child", "kind", "time", "report"}]}, {@code report} the full text.
     */
    private void crashes(HttpExchange ex) throws IOException {
        if (!get(ex) || !authorized(ex)) return;
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String child = q.get("child");
        int n;
        try {
            n = Math.clamp(Integer.parseInt(q.getOrDefault("n", "1")), 1, 100);
        } catch (NumberFormatException e) {
            send(ex, 400, Json.write(Map.of("error", "n: expected an integer, was '" + q.get("n") + "'")));
            return;
        }
        if (child == null) {
            send(ex, 400, Json.write(Map.of("error", "child: required (the child's id, or supervisor/id)")));
            return;
        }
        String id = child.substring(child.lastIndexOf('/') + 1);
        List<Object> out = new ArrayList<>();
        for (CrashReport r : CrashHistory.open(runner.stateDir(child), runner.rootName()).recent(id, n)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("child", child);
            m.put("kind", r.kind());
            m.put("time", r.time().toString());
            m.put("report", r.toString());
            out.add(m);
        }
        send(ex, 200, Json.write(out));
    }

    /** {@code GET /}: the page of the live tree (one self-contained HTML file; it asks for the token, or reads #token=). */
    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, Json.write(Map.of("error", "no such path: " + ex.getRequestURI().getPath())));
            return;
        }
        if (!get(ex)) return;
        byte[] body;
        try (var in = StatusServer.class.getResourceAsStream("page.html")) {
            body = in.readAllBytes();
        }
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().add("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private void status(HttpExchange ex) throws IOException {
        if (!get(ex) || !authorized(ex)) return;
        TreeSnapshot snapshot = snapshot();
        if (snapshot == null) send(ex, 503, "{\"error\":\"no supervisor is running\"}");
        else send(ex, 200, snapshot.toJson());
    }

    private void livez(HttpExchange ex) throws IOException {
        if (!get(ex)) return;
        Supervisor sup = runner.current();
        boolean alive = false;
        if (sup != null && !runner.stopping()) {
            try {
                sup.countChildren().get(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                alive = true;
            } catch (Exception e) {
                alive = false;
            }
        }
        send(ex, alive ? 200 : 503, alive ? "{\"alive\":true}" : "{\"alive\":false}");
    }

    private void readyz(HttpExchange ex) throws IOException {
        if (!get(ex)) return;
        TreeSnapshot snapshot = snapshot();
        boolean ready = snapshot != null && !runner.stopping() && allReady(snapshot);
        send(ex, ready ? 200 : 503, ready ? "{\"ready\":true}" : "{\"ready\":false}");
    }

    /** True when every child, nested ones included, is RUNNING and, for a process, ready. */
    private static boolean allReady(TreeSnapshot tree) {
        if (!tree.running()) return false;
        for (ChildInfo c : tree.children()) {
            if (c.state() != ChildState.RUNNING) return false;
            if (c.details().orElse(null) instanceof ProcessDetails p && !p.ready()) return false;
            if (c.subtree().isPresent() && !allReady(c.subtree().get())) return false;
        }
        return true;
    }

    private TreeSnapshot snapshot() {
        Supervisor sup = runner.current();
        if (sup == null) return null;
        try {
            return sup.snapshot().get(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    private static boolean get(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("GET")) return true;
        ex.getResponseHeaders().add("Allow", "GET");
        send(ex, 405, "{\"error\":\"only GET\"}");
        return false;
    }

    private static boolean post(HttpExchange ex) throws IOException {
        if (ex.getRequestMethod().equals("POST")) return true;
        ex.getResponseHeaders().add("Allow", "POST");
        send(ex, 405, "{\"error\":\"only POST\"}");
        return false;
    }

    private static void send(HttpExchange ex, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}

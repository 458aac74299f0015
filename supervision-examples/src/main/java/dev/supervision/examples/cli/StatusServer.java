package dev.supervision.examples.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.supervision.ChildInfo;
import dev.supervision.ChildState;
import dev.supervision.Supervisor;
import dev.supervision.TreeSnapshot;
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
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
        server.createContext("/status", s::status);
        server.createContext("/livez", s::livez);
        server.createContext("/readyz", s::readyz);
        server.createContext("/proxies", s::proxies);
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

    int port() { return server.getAddress().getPort(); }

    Path tokenFile() { return dir.resolve(TOKEN_FILE); }

    /** Stops serving and removes the port and token files. */
    @Override
    public void close() {
        server.stop(0);
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

    /** Whether the request carries the token; answers 401 when not. */
    private boolean authorized(HttpExchange ex) throws IOException {
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
     * The replaying proxies: {@code [{"child", "uri", "pending", "inFlight", "completed", "failed", "deadLettered"}]}
     * (the journal's counts).
     */
    private void proxies(HttpExchange ex) throws IOException {
        if (!get(ex) || !authorized(ex)) return;
        StringBuilder sb = new StringBuilder("[");
        for (Runner.RunningProxy p : runner.proxies()) {
            if (sb.length() > 1) sb.append(',');
            var c = p.journal().counts();
            sb.append("{\"child\":\"").append(p.child()).append("\",\"uri\":\"").append(p.proxy().uri())
              .append("\",\"pending\":").append(c.pending()).append(",\"inFlight\":").append(c.inFlight())
              .append(",\"completed\":").append(c.completed()).append(",\"failed\":").append(c.failed())
              .append(",\"deadLettered\":").append(c.deadLettered()).append('}');
        }
        send(ex, 200, sb.append(']').toString());
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

    private static void send(HttpExchange ex, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}

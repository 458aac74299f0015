package dev.supervision.journal;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: the one {@code SUPERVISION_PG_URL} names ({@code jdbc:postgresql://...}, user
 * {@code postgres}, trust authentication), else a throw-away cluster this JVM starts from Debian's binaries
 * ({@code /usr/lib/postgresql/N/bin}: initdb, pg_ctl) in a temporary directory, on a free loopback port, as the
 * {@code postgres} user when the tests run as root (initdb refuses root), stopped when the JVM exits. One per JVM.
 */
public final class PostgresServer {
    private static PostgresServer shared;
    private static String unavailable;

    private final String jdbcUrl;
    private final Path bin;
    private final Path data;
    private final int port;

    private PostgresServer(String jdbcUrl, Path bin, Path data, int port) {
        this.jdbcUrl = jdbcUrl;
        this.bin = bin;
        this.data = data;
        this.port = port;
    }

    /** The server, started at the first call; empty, with {@link #whyNot()} saying why, where there is none. */
    public static synchronized Optional<PostgresServer> get() {
        if (shared == null && unavailable == null) {
            try {
                shared = start();
            } catch (IOException | InterruptedException | RuntimeException e) {
                unavailable = e.getMessage();
            }
        }
        return Optional.ofNullable(shared);
    }

    /** Why there is no server here. */
    public static synchronized String whyNot() {
        return unavailable;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public int port() {
        return port;
    }

    /** Stops the server at once (pg_ctl -m immediate: as a crash) and starts it again on the same port and data. */
    public void restart(Runnable whileDown) throws IOException, InterruptedException {
        pgCtl("stop", "-m", "immediate");
        whileDown.run();
        pgCtl("start");
    }

    private static PostgresServer start() throws IOException, InterruptedException {
        String url = System.getenv("SUPERVISION_PG_URL");
        if (url != null && !url.isBlank()) return new PostgresServer(url, null, null, -1);
        Path bin;
        try (Stream<Path> versions = Files.exists(Path.of("/usr/lib/postgresql")) ? Files.list(Path.of("/usr/lib/postgresql")) : Stream.empty()) {
            bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElseThrow(() -> new IllegalStateException(
                            "no PostgreSQL here: no /usr/lib/postgresql/N/bin/initdb and no SUPERVISION_PG_URL (Debian: apt-get install postgresql)"));
        }
        Path data = Files.createTempDirectory("supervision-pg");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        if (isRoot()) run(List.of("chown", "-R", "postgres:postgres", data.toString()), false);
        run(List.of(bin.resolve("initdb").toString(), "-D", data.resolve("db").toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--no-sync"), true);
        PostgresServer server = new PostgresServer("jdbc:postgresql://127.0.0.1:" + port + "/postgres", bin, data, port);
        server.pgCtl("start");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.pgCtl("stop", "-m", "immediate");
                run(List.of("rm", "-rf", data.toString()), false);
            } catch (IOException | InterruptedException e) {
                // the JVM is exiting
            }
        }, "postgres-stop"));
        return server;
    }

    private void pgCtl(String action, String... more) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("db").toString(), "-w", "-t", "60"));
        argv.add(action);
        argv.addAll(List.of(more));
        if (action.equals("start")) {
            argv.addAll(List.of("-l", data.resolve("server.log").toString(), "-o",
                    "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1 -c max_connections=200"));
        }
        run(argv, true);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(List<String> argv, boolean asPostgres) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (asPostgres && isRoot()) command.addAll(List.of("runuser", "-u", "postgres", "--"));
        command.addAll(argv);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out.strip());
        }
    }
}

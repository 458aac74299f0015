package dev.supervision.cli;

import dev.supervision.process.ProcessSpec;
import java.io.IOException;
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
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * The operator's commands' side of the status endpoint: which trees run under a state directory, and calls to one of
 * them with its token. A tree that runs has {@code <state-dir>/<tree>/status.port} and {@code status.token}.
 */
final class Ctl {
    /** Not running, or the call failed: the commands' exit status then. */
    static final int FAILED = 1;
    /** One client for every call of a command (thread-safe; its threads are daemons, the command's JVM exits with it). */
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Ctl() {}

    /** A running tree's endpoint. */
    record Tree(String name, URI base, String token) {}

    /** Why a command could not reach a tree (printed as is, exit {@link #FAILED}). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    /** {@code --tree} and {@code --state-dir}, with their variables; every operator command has them. */
    static final class Target {
        @Option(names = "--tree", paramLabel = "NAME", description = "the tree (default: the only one running; env SUPERVISE_TREE)")
        String tree;

        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "where the tree keeps its state (env SUPERVISE_STATE_DIR; default $XDG_STATE_HOME/supervision or ~/.local/state/supervision)")
        Path stateDir;

        Path stateDir(Map<String, String> env) {
            if (stateDir != null) return stateDir;
            String v = env.get("SUPERVISE_STATE_DIR");
            return v != null && !v.isBlank() ? Path.of(v.trim()) : ProcessSpec.defaultStateDirectory();
        }

        /** The tree asked for, if any: {@code --tree}, else {@code SUPERVISE_TREE}. */
        String treeName(Map<String, String> env) {
            if (tree != null) return Values.name("--tree", tree);
            String v = env.get("SUPERVISE_TREE");
            return v != null && !v.isBlank() ? Values.name("SUPERVISE_TREE", v.trim()) : null;
        }

        /** The trees to talk to: the one named, else every one with a status port under the state directory. */
        List<String> candidates(Map<String, String> env) throws Unreachable {
            String name = treeName(env);
            if (name != null) return List.of(name);
            Path dir = stateDir(env);
            List<String> names = new ArrayList<>();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(p -> Files.exists(p.resolve(StatusServer.PORT_FILE))).map(p -> p.getFileName().toString()).sorted()
                     .forEach(names::add);
                } catch (IOException e) {
                    throw new Unreachable("cannot list " + dir + ": " + e.getMessage());
                }
            }
            if (names.isEmpty()) {
                throw new Unreachable("no tree is running with state directory " + dir + " (no */" + StatusServer.PORT_FILE
                        + "); pass the --state-dir it was started with");
            }
            return names;
        }

        /** The one tree an operator command acts on. */
        Tree one(Map<String, String> env) throws Unreachable {
            List<String> names = candidates(env);
            if (names.size() > 1) {
                throw new Unreachable("several trees are running (" + String.join(", ", names) + "); name one with --tree");
            }
            return open(stateDir(env), names.get(0));
        }
    }

    /** The endpoint of tree {@code name}, from its port and token files. */
    static Tree open(Path stateDir, String name) throws Unreachable {
        Path dir = stateDir.resolve(name);
        try {
            String port = Files.readString(dir.resolve(StatusServer.PORT_FILE)).trim();
            String token = Files.readString(dir.resolve(StatusServer.TOKEN_FILE)).trim();
            return new Tree(name, URI.create("http://127.0.0.1:" + port), token);
        } catch (NoSuchFileException e) {
            throw new Unreachable("no tree '" + name + "' is running with state directory " + stateDir + " (no " + e.getFile()
                    + "); pass the --state-dir and --tree it was started with");
        } catch (IOException e) {
            throw new Unreachable("cannot read the status files of tree '" + name + "' in " + dir + ": " + e.getMessage());
        }
    }

    static HttpResponse<String> get(Tree tree, String path, Duration timeout) throws Unreachable, InterruptedException {
        return call(tree, HttpRequest.newBuilder(tree.base().resolve(path)).GET(), timeout);
    }

    static HttpResponse<String> post(Tree tree, String path, Duration timeout) throws Unreachable, InterruptedException {
        return call(tree, HttpRequest.newBuilder(tree.base().resolve(path)).POST(HttpRequest.BodyPublishers.noBody()), timeout);
    }

    private static HttpResponse<String> call(Tree tree, HttpRequest.Builder request, Duration timeout)
            throws Unreachable, InterruptedException {
        try {
            return CLIENT.send(request.header("Authorization", "Bearer " + tree.token()).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Unreachable("tree '" + tree.name() + "' is not running (nothing listens on " + tree.base() + ")");
        } catch (IOException e) {
            throw new Unreachable("tree '" + tree.name() + "' did not answer: " + e);
        }
    }

    /** The {@code error} of a JSON error answer, or the body. */
    static String error(HttpResponse<String> r) {
        try {
            if (dev.supervision.internal.Json.parse(r.body()) instanceof Map<?, ?> m && m.get("error") != null) return String.valueOf(m.get("error"));
        } catch (IllegalArgumentException notJson) {
            // the body as it is
        }
        return r.body();
    }
}

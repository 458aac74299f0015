package dev.supervision.journal.proxy;

import dev.supervision.Backoff;
import dev.supervision.ChildInfo;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalSpec;
import dev.supervision.process.ProcessDetails;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.probe.Probe;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A real tree for the proxy tests: the FAKE OpenAI server ({@link FakeOpenAiServer}) as a process child of a real
 * supervisor, a real SQLite journal, and the proxy in front, listening to the tree's events. Closing stops all three.
 */
final class ProxyFixture implements AutoCloseable {
    final Path dir;
    final int serverPort;
    final Journal journal;
    final ReplayingProxy proxy;
    final Supervisor tree;
    final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    ProxyFixture(Path dir, String name, UnaryOperator<ProxySpec.Builder> proxySettings, String... serverArgs) throws IOException {
        this.dir = dir;
        this.serverPort = freePort();
        this.journal = Journal.sqlite(JournalSpec.builder(dir.resolve("journal.db")).build());
        URI upstream = URI.create("http://127.0.0.1:" + serverPort);
        this.proxy = ReplayingProxy.start(journal, proxySettings.apply(ProxySpec.builder(upstream).upstreamChild("llm")).build());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", classPath(), FakeOpenAiServer.class.getName(), "--port", Integer.toString(serverPort)));
        command.addAll(List.of(serverArgs));
        ProcessSpec server = ProcessSpec.builder("llm").command(command).stateDirectory(dir.resolve("state"))
                .readiness(Probe.http(upstream + "/health")).readinessInterval(Duration.ofMillis(50))
                .stopTimeout(Duration.ofSeconds(2)).backoff(Backoff.none()).inFlightRequests(proxy.inFlightRequests()).build();
        this.tree = Supervisor.start(SupervisorSpec.builder("proxy-test-" + ProcessHandle.current().pid() + "-" + name).shutdownHook(false)
                .intensity(100, Duration.ofSeconds(10)).listener(proxy.listener()).listener(events::add).child(server).build());
    }

    static String classPath() {
        List<String> cp = new ArrayList<>();
        for (String key : new String[] {"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(key);
            if (v != null && !v.isBlank()) cp.add(v);
        }
        cp.add(Path.of("target", "test-classes").toAbsolutePath().toString());
        return String.join(File.pathSeparator, cp);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The server's pid now. */
    long serverPid() {
        ChildInfo c = tree.whichChildren().join().getFirst();
        return ((ProcessDetails) c.details().orElseThrow()).pid();
    }

    /** How many times the server was started. */
    long serverStarts() {
        return tree.whichChildren().join().getFirst().incarnation();
    }

    HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(URI.create(proxy.uri() + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String chat(String marker, boolean stream, String extra) {
        return "{\"model\":\"fake\",\"marker\":\"" + marker + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + extra + "\"}]}";
    }

    @Override
    public void close() {
        tree.stop(Duration.ofSeconds(30));
        proxy.close();
        journal.close();
        client.close();
    }
}

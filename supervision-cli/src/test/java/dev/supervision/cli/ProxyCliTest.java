package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy:} in a tree file: the CLI starts a replaying proxy in front of the child (a FAKE OpenAI server from the
 * journal's test jar, a real process), requests through it survive a kill -9 of the server, {@code supervise
 * status} shows the proxy's counts, and an operator lists and replays a dead letter through the status endpoint.
 */
class ProxyCliTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** What {@code supervise status --tree proxied} prints (its standard output and error). */
    private String status() throws Exception {
        try (Cli status = Cli.start(dir, Map.of(), "status", "--tree", "proxied")) {
            await().atMost(EXIT).until(() -> !status.process.isAlive());
            return status.stdout() + status.stderr();
        }
    }

    @Test
    void aTreeFileProxyKeepsRequestsThroughAKillAndStatusShowsItsCounts() throws Exception {
        int server = freePort();
        int proxy = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path bug = Files.createFile(dir.resolve("the-bug"));          // while it exists, CRASH-NOW crashes the server
        Files.writeString(dir.resolve("tree.yaml"), """
                name: proxied
                intensity: 10
                children:
                  - id: llm
                    command: ["%s", "-cp", "%s", dev.supervision.journal.proxy.FakeOpenAiServer, --port, "%d", --reply-millis, "3000", --crash-while, "%s"]
                    readiness: {http: "http://127.0.0.1:%d/health", interval: 50ms}
                    backoff: none
                    output: {sinks: [discard]}
                    proxy: {upstream: "http://127.0.0.1:%d", listen: "127.0.0.1:%d"}
                """.formatted(java, System.getProperty("java.class.path"), server, bug, server, server, proxy));
        try (Cli cli = Cli.start(dir, Map.of(), "--config", dir.resolve("tree.yaml").toString());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            await().atMost(EXIT).until(() -> cli.stderr().contains("proxy for 'llm' on http://127.0.0.1:" + proxy));
            await().atMost(EXIT).until(() -> cli.stderr().contains("ready after"));
            Map<String, HttpResponse<String>> answers = new ConcurrentHashMap<>();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 8; i++) {
                    String marker = "cli-" + i;
                    clients.submit(() -> answers.put(marker, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy
                            + "/v1/chat/completions")).header("Content-Type", "application/json").timeout(EXIT)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"marker\":\"" + marker + "\",\"messages\":[]}")).build(),
                            HttpResponse.BodyHandlers.ofString())));
                }
                await().atMost(EXIT).until(() -> cli.stderr().matches("(?s).*launched.*pid \\d+.*"));
                long pid = Long.parseLong(cli.stderr().replaceAll("(?s).*?pid (\\d+).*", "$1"));
                await().atMost(EXIT).untilAsserted(() -> assertThat(status()).contains(": 0 pending, 8 in flight"));
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            }
            assertThat(answers).hasSize(8);
            answers.forEach((m, r) -> {
                assertThat(r.statusCode()).as(m).isEqualTo(200);
                assertThat(r.body()).contains("\"marker\":\"" + m + "\"");
            });
            await().atMost(EXIT).untilAsserted(() -> assertThat(status())
                    .contains("proxy for llm on http://127.0.0.1:" + proxy + ": 0 pending, 0 in flight, 0 dead-lettered, 8 completed"));
            assertThat(Files.exists(cli.stateDir.resolve("proxied/journal-llm.db"))).isTrue();

            // A poison request is dead-lettered; the operator lists it, fixes the cause and replays it.
            HttpRequest poison = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").header("Idempotency-Key", "p-1").timeout(EXIT)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"marker\":\"p-1\",\"messages\":[],\"x\":\"CRASH-NOW\"}")).build();
            HttpResponse<String> refused = client.send(poison, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(502);
            String id = refused.headers().firstValue("Supervision-Request-Id").orElseThrow();
            String base = "http://127.0.0.1:" + Files.readString(cli.stateDir.resolve("proxied/status.port")).trim();
            String token = "Bearer " + Files.readString(cli.stateDir.resolve("proxied/status.token")).trim();
            // The client is answered before the dead letter's commit (a retry with its key waits for it): awaited.
            await().atMost(EXIT).untilAsserted(() -> {
                HttpResponse<String> letters = client.send(HttpRequest.newBuilder(URI.create(base + "/proxies/llm/dead-letters"))
                        .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(letters.statusCode()).isEqualTo(200);
                assertThat(letters.body()).contains("\"id\":\"" + id + "\"", "\"idempotencyKey\":\"p-1\"", "poison: it crashed the server on its own 2 times");
            });
            URI replay = URI.create(base + "/proxies/llm/dead-letters/" + id + "/replay");
            assertThat(client.send(HttpRequest.newBuilder(replay).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("no token").isEqualTo(401);
            assertThat(client.send(HttpRequest.newBuilder(replay).header("Authorization", token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("GET").isEqualTo(405);
            Files.delete(bug);                                              // the fix
            HttpResponse<String> replayed = client.send(HttpRequest.newBuilder(replay).header("Authorization", token)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(202);
            await().atMost(EXIT).untilAsserted(() -> {
                HttpResponse<String> retry = client.send(poison, HttpResponse.BodyHandlers.ofString());
                assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
                assertThat(retry.body()).contains("\"marker\":\"p-1\"");
            });
            assertThat(client.send(HttpRequest.newBuilder(replay).header("Authorization", token).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("completed: not a dead letter").isEqualTo(409);
            assertThat(cli.stderr()).contains("dead letter " + id + " replayed by an operator");
            cli.process.destroy();
            await().atMost(EXIT).until(() -> !cli.process.isAlive());
            assertThat(cli.process.exitValue()).as(cli.stderr()).isZero();
        }
    }
}

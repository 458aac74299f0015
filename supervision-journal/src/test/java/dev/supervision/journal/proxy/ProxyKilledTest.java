package dev.supervision.journal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.RequestState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's own death: its JVM killed with SIGKILL while requests are committed and in flight. The next proxy on
 * the same journal sends them again, and clients that come back with their idempotency keys get their answers.
 */
class ProxyKilledTest {
    private static final Pattern COMMITTED = Pattern.compile("proxy: request (\\S+) committed .*key (\\S+)\\)");

    @TempDir Path dir;

    private static Process jvm(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.dev.supervision.journal.internal.proxy.ClientHandler=debug", "-cp", ProxyFixture.classPath()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void everyRequestCommittedBeforeTheProxyWasKilledIsAnsweredAfterItsRestart() throws Exception {
        int serverPort = ProxyFixture.freePort();
        int proxyPort = ProxyFixture.freePort();
        Path served = dir.resolve("served");
        Path journalFile = dir.resolve("journal.db");
        String upstream = "http://127.0.0.1:" + serverPort;
        Process server = jvm(List.of(FakeOpenAiServer.class.getName(), "--port", Integer.toString(serverPort), "--reply-millis", "1500",
                "--served", served.toString()));
        Process first = null;
        Process second = null;
        Map<String, String> committed = new ConcurrentHashMap<>();           // key -> journal id, from the first proxy's log
        Map<String, HttpResponse<String>> answers = new ConcurrentHashMap<>();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            first = jvm(List.of(ProxyMain.class.getName(), journalFile.toString(), Integer.toString(proxyPort), upstream));
            BufferedReader firstOut = lines(first);
            for (String line; (line = firstOut.readLine()) != null && !line.contains("listening"); ) { /* its start-up lines */ }
            Process killed = first;
            Thread.ofVirtual().start(() -> {
                try {
                    for (String line; (line = firstOut.readLine()) != null; ) {
                        Matcher m = COMMITTED.matcher(line);
                        if (m.find()) committed.put(m.group(2), m.group(1));
                    }
                } catch (IOException gone) {
                    // killed
                }
            });
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 16; i++) {
                    String key = "key-" + i;
                    clients.submit(() -> {
                        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/v1/chat/completions"))
                                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json").header("Idempotency-Key", key)
                                .POST(HttpRequest.BodyPublishers.ofString(ProxyFixture.chat(key, false, "survive"))).build();
                        for (int attempt = 0; attempt < 100; attempt++) {             // a client retrying with its key, as SDKs do
                            try {
                                answers.put(key, client.send(r, HttpResponse.BodyHandlers.ofString()));
                                return null;
                            } catch (IOException refusedOrCut) {
                                Thread.sleep(200);
                            }
                        }
                        throw new IllegalStateException(key + " never answered");
                    });
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> committed.size() == 16);
                killed.toHandle().destroyForcibly();                                   // SIGKILL: 16 committed, in flight upstream
                assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(answers).as("no answer came before the kill").isEmpty();
                second = jvm(List.of(ProxyMain.class.getName(), journalFile.toString(), Integer.toString(proxyPort), upstream));
                BufferedReader secondOut = lines(second);
                for (String line; (line = secondOut.readLine()) != null && !line.contains("listening"); ) { /* start-up */ }
            }
            assertThat(answers).hasSize(16);
            answers.forEach((key, r) -> {
                assertThat(r.statusCode()).as(key).isEqualTo(200);
                assertThat(r.body()).as(key).contains("\"marker\":\"" + key + "\"");
            });
        } finally {
            for (Process p : new Process[] {first, second, server}) {
                if (p != null) {
                    p.toHandle().destroyForcibly();
                    p.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
        try (Journal j = Journal.sqlite(JournalSpec.builder(journalFile).build())) {
            for (Map.Entry<String, String> c : committed.entrySet()) {
                JournaledRequest e = j.get(c.getValue()).orElseThrow();
                assertThat(e.state()).as(c.getKey()).isEqualTo(RequestState.COMPLETED);
                assertThat(e.request().idempotencyKey()).contains(c.getKey());
            }
            assertThat(j.counts().completed()).isEqualTo(16);
        }
        Set<String> markers = Set.copyOf(Files.readAllLines(served).stream().map(l -> l.split(" ")[0]).toList());
        assertThat(markers).hasSize(16);
    }
}

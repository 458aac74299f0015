package dev.supervision.journal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.supervision.journal.Header;
import dev.supervision.journal.JournalCounts;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.RequestState;
import dev.supervision.journal.StoredResponse;
import dev.supervision.journal.internal.proxy.ClientHandler;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy with a real server process under a real supervisor, a real journal, real HTTP and real kill -9. */
class ReplayingProxyTest {
    @TempDir Path dir;

    @Test
    void aRequestIsJournaledSentAndAnsweredWithItsId() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "basic", b -> b)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> f.events.stream().anyMatch(e -> e.toString().contains("Ready")));
            HttpResponse<String> r = f.send(f.post(ProxyFixture.chat("m-1", false, "hello")).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"marker\":\"m-1\"").contains("answer to m-1");
            String id = r.headers().firstValue(ClientHandler.REQUEST_ID).orElseThrow();
            // The client has its answer first; the journal stores it right after, for retries.
            await().atMost(Duration.ofSeconds(10)).until(() -> f.journal.get(id).orElseThrow().state() == RequestState.COMPLETED);
            JournaledRequest e = f.journal.get(id).orElseThrow();
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(new String(e.response().orElseThrow().body())).isEqualTo(r.body());
        }
    }

    /**
     * The server killed with SIGKILL, three times, while 24 clients each have a request in flight: every client gets
     * its own answer exactly once, and nothing acknowledged is lost.
     */
    @Test
    void everyRequestInFlightWhenTheServerIsKilledIsAnsweredOnceItIsBack() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "kill9", b -> b, "--reply-millis", "400")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> f.events.stream().anyMatch(e -> e.toString().contains("Ready")));
            Map<String, String> answers = new ConcurrentHashMap<>();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 24; i++) {
                    String marker = "c-" + i;
                    calls.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            HttpResponse<String> r = f.send(f.post(ProxyFixture.chat(marker, false, "work")).build());
                            answers.merge(marker, r.body(), (a, b) -> a + "\n--second answer--\n" + b);
                            return r;
                        } catch (Exception e) {
                            throw new IllegalStateException(marker + ": " + e, e);
                        }
                    }, clients));
                }
                for (int kill = 1; kill <= 3; kill++) {
                    long starts = f.serverStarts();
                    await().atMost(Duration.ofSeconds(30)).until(() -> f.journal.counts().inFlight() > 0);
                    ProcessHandle.of(f.serverPid()).orElseThrow().destroyForcibly();
                    await().atMost(Duration.ofSeconds(30)).until(() -> f.serverStarts() > starts);
                }
                for (CompletableFuture<HttpResponse<String>> c : calls) assertThat(c.join().statusCode()).isEqualTo(200);
            }
            assertThat(answers).hasSize(24);
            // Each crash report lists the journal ids of the requests the crash cut.
            List<dev.supervision.process.crash.CrashReport> crashes = f.events.stream()
                    .filter(e -> e instanceof dev.supervision.SupervisorEvent.ChildNoticed n && n.notice() instanceof dev.supervision.process.ProcessEvent.Crashed)
                    .map(e -> ((dev.supervision.process.ProcessEvent.Crashed) ((dev.supervision.SupervisorEvent.ChildNoticed) e).notice()).report()).toList();
            assertThat(crashes).hasSize(3).allSatisfy(r -> {
                assertThat(r.kind()).isEqualTo("KILLED");
                assertThat(r.inFlightRequests()).isNotEmpty().allSatisfy(id -> assertThat(f.journal.get(id)).isPresent());
            });
            answers.forEach((marker, body) -> assertThat(body).as(marker).contains("\"marker\":\"" + marker + "\"").doesNotContain("--second answer--"));
            await().atMost(Duration.ofSeconds(10)).until(() -> f.journal.counts().completed() == 24);
            assertThat(f.journal.unfinished()).isEmpty();
        }
    }

    @Test
    void aRetryWithTheSameKeyGetsTheSameBytesAndAnotherPayloadGets422() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "idempotent", b -> b)) {
            awaitReady(f);
            HttpResponse<String> first = f.send(f.post(ProxyFixture.chat("k-1", false, "once")).header("Idempotency-Key", "key-1").build());
            HttpResponse<String> again = f.send(f.post(ProxyFixture.chat("k-1", false, "once")).header("Idempotency-Key", "key-1").build());
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(again.headers().firstValue(ClientHandler.REQUEST_ID)).isEqualTo(first.headers().firstValue(ClientHandler.REQUEST_ID));
            HttpResponse<String> other = f.send(f.post(ProxyFixture.chat("k-2", false, "another")).header("Idempotency-Key", "key-1").build());
            assertThat(other.statusCode()).isEqualTo(422);
            assertThat(other.body()).contains("Idempotency-Key key-1 was used for another request");
            assertThat(f.journal.counts().completed()).isEqualTo(1);
        }
    }

    /**
     * One request that kills the server among 31 good ones, all sent at once: the good ones complete, the poison one
     * is dead-lettered with its crashes, and the server is restarted at most three times.
     */
    @Test
    void aPoisonRequestIsDeadLetteredAndTheBystandersComplete() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "poison", b -> b, "--reply-millis", "300")) {
            awaitReady(f);
            Map<String, HttpResponse<String>> answers = new ConcurrentHashMap<>();
            try (var clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 32; i++) {
                    String marker = i == 13 ? "poison" : "good-" + i;
                    String extra = i == 13 ? "CRASH-NOW" : "fine";
                    clients.submit(() -> answers.put(marker, f.send(f.post(ProxyFixture.chat(marker, false, extra)).build())));
                }
            }
            assertThat(answers).hasSize(32);
            answers.forEach((marker, r) -> {
                if (marker.equals("poison")) {
                    assertThat(r.statusCode()).isEqualTo(502);
                    assertThat(r.body()).contains("dead-lettered: poison: it crashed the server on its own 2 times");
                } else {
                    assertThat(r.statusCode()).as(marker).isEqualTo(200);
                    assertThat(r.body()).contains("\"marker\":\"" + marker + "\"");
                }
            });
            assertThat(f.journal.deadLetters()).singleElement().satisfies(e -> {
                assertThat(new String(e.request().body())).contains("poison");
                assertThat(e.lastError().orElseThrow()).contains("on its own").contains("with ");
            });
            // A client has its answer before it is committed (the journal serves retries): the last commits may follow.
            await().atMost(Duration.ofSeconds(10)).until(() -> f.journal.counts().completed() == 31);
            assertThat(f.serverStarts()).as("the first start and at most three restarts").isLessThanOrEqualTo(4);
        }
    }

    @Test
    void aStreamPassesThroughEventByEventAndACutStreamEndsWithAnErrorEvent() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "stream", b -> b, "--events", "8", "--event-millis", "150")) {
            awaitReady(f);
            long start = System.nanoTime();
            List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
            HttpResponse<java.util.stream.Stream<String>> r = f.client.send(f.post(ProxyFixture.chat("s-1", true, "stream me")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            List<String> lines = new ArrayList<>();
            r.body().forEach(l -> {
                if (l.startsWith("data:")) arrivals.add(System.nanoTime() - start);
                lines.add(l);
            });
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            assertThat(lines.stream().filter(l -> l.startsWith("data: {")).count()).isEqualTo(8);
            assertThat(lines).contains("data: [DONE]");
            // The first event reached the client long before the last was written: no buffering of the stream.
            assertThat(arrivals.getFirst()).isLessThan(arrivals.getLast() - Duration.ofMillis(600).toNanos());

            HttpResponse<String> cut = f.send(f.post(ProxyFixture.chat("s-2", true, "CRASH-MID")).build());
            assertThat(cut.statusCode()).isEqualTo(200);
            assertThat(cut.body().split("data: \\{\"id\"", -1)).hasSize(1 + 4);          // the four events sent before the crash
            assertThat(cut.body()).endsWith("}}\n\n").contains("event: error\ndata: {\"error\":{\"type\":\"upstream_crashed\"")
                    .doesNotContain("[DONE]");
            String id = cut.headers().firstValue(ClientHandler.REQUEST_ID).orElseThrow();
            assertThat(f.journal.get(id).orElseThrow()).satisfies(e -> {
                assertThat(e.state()).isEqualTo(RequestState.FAILED);
                assertThat(e.lastError().orElseThrow()).contains("the server died after");
                assertThat(new String(e.response().orElseThrow().body())).contains("token 3").doesNotContain("token 4");
            });
        }
    }

    @Test
    void aRequestHeldPastTheDeadlineGets503AndItsRetrySendsIt() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "held", b -> b.holdDeadline(Duration.ofSeconds(1)).retryAfter(Duration.ofSeconds(3)))) {
            awaitReady(f);
            f.tree.terminateChild("llm").join();
            long t = System.nanoTime();
            HttpResponse<String> held = f.send(f.post(ProxyFixture.chat("h-1", false, "wait")).header("Idempotency-Key", "h").build());
            assertThat(held.statusCode()).isEqualTo(503);
            assertThat(System.nanoTime() - t).isGreaterThanOrEqualTo(Duration.ofMillis(900).toNanos());
            assertThat(held.headers().firstValue("Retry-After")).contains("3");
            assertThat(held.body()).contains("held 1 s while the server was not ready");
            f.tree.restartChild("llm").join();
            HttpResponse<String> retry = f.send(f.post(ProxyFixture.chat("h-1", false, "wait")).header("Idempotency-Key", "h").build());
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(retry.body()).contains("answer to h-1");
        }
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrongAndNothingIsStored() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "bad", b -> b.maxBodyBytes(4096))) {
            awaitReady(f);
            HttpResponse<String> malformed = f.send(f.post("{\"model\": \"fake\", \"messages\": [}").build());
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).contains("not valid JSON: unexpected '}' at offset 31; nothing was stored");
            HttpResponse<String> big = f.send(f.post(ProxyFixture.chat("big", false, "x".repeat(5000))).build());
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(big.body()).contains("over the limit of 4096");
            HttpResponse<String> key = f.send(f.post(ProxyFixture.chat("k", false, "x")).header("Idempotency-Key", "k".repeat(300)).build());
            assertThat(key.statusCode()).isEqualTo(400);
            assertThat(key.body()).contains("Idempotency-Key: expected 1 to 255 characters, was 300");
            assertThat(f.journal.counts()).isEqualTo(new JournalCounts(0, 0, 0, 0, 0));
        }
    }

    /** A Java caller sends through the same journal and replay: its request survives a kill -9 of the server. */
    @Test
    void aJavaCallerGoesThroughTheSameJournalAndReplay() throws Exception {
        try (ProxyFixture f = new ProxyFixture(dir, "java-client", b -> b, "--reply-millis", "600")) {
            awaitReady(f);
            NewRequest request = new NewRequest(Optional.of("java-1"), "POST",
                    "/v1/chat/completions", List.of(new Header("Content-Type", "application/json")),
                    ProxyFixture.chat("java-1", false, "from java").getBytes(StandardCharsets.UTF_8));
            CompletableFuture<StoredResponse> answer = f.proxy.send(request);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.journal.counts().inFlight() == 1);
            ProcessHandle.of(f.serverPid()).orElseThrow().destroyForcibly();
            StoredResponse r = answer.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("\"marker\":\"java-1\"");
            assertThat(f.serverStarts()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.journal.counts().completed() == 1);
            // The same key again: the stored answer, byte for byte, and nothing sent.
            assertThat(f.proxy.send(request).get(10, TimeUnit.SECONDS)).isEqualTo(r);
            assertThat(f.journal.byIdempotencyKey("java-1").orElseThrow().attempts()).isEqualTo(2);
        }
    }

    /**
     * An operator replays a dead letter once its cause is fixed: it is sent again with its attempts cleared, and the
     * client retrying with its key gets the new answer. Only a dead letter or a failed request can be replayed.
     */
    @Test
    void anOperatorReplaysADeadLetterOnceTheCauseIsFixed() throws Exception {
        Path bug = Files.createFile(dir.resolve("the-bug"));
        try (ProxyFixture f = new ProxyFixture(dir, "replay", b -> b, "--crash-while", bug.toString())) {
            awaitReady(f);
            HttpResponse<String> refused = f.send(f.post(ProxyFixture.chat("dl-1", false, "CRASH-NOW")).header("Idempotency-Key", "dl").build());
            assertThat(refused.statusCode()).isEqualTo(502);
            String id = refused.headers().firstValue(ClientHandler.REQUEST_ID).orElseThrow();
            assertThat(f.proxy.deadLetters()).singleElement().satisfies(e -> assertThat(e.id()).isEqualTo(id));
            Files.delete(bug);                                      // the fix
            assertThat(f.proxy.replay(id).state()).isEqualTo(RequestState.PENDING);
            await().atMost(Duration.ofSeconds(30)).until(() -> f.journal.get(id).orElseThrow().state() == RequestState.COMPLETED);
            HttpResponse<String> retry = f.send(f.post(ProxyFixture.chat("dl-1", false, "CRASH-NOW")).header("Idempotency-Key", "dl").build());
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(retry.body()).contains("answer to dl-1");
            assertThat(f.proxy.deadLetters()).isEmpty();
            assertThatThrownBy(() -> f.proxy.replay(id)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("request " + id + " is COMPLETED; only a dead-lettered or failed one can be replayed");
            assertThatThrownBy(() -> f.proxy.replay("no-such-id")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no request no-such-id in the journal");
        }
    }

    private static void awaitReady(ProxyFixture f) {
        await().atMost(Duration.ofSeconds(30)).until(() -> f.events.stream().anyMatch(e -> e.toString().contains("Ready")));
    }
}

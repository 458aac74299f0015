package dev.supervision.examples.bench;

import dev.supervision.Backoff;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.proxy.ProxySpec;
import dev.supervision.journal.proxy.ReplayingProxy;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.probe.Probe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The replaying proxy's cost and what it saves, against the same FAKE OpenAI server (a separate process, from the
 * journal's test jar):
 * <ol>
 *   <li>overhead: 32 concurrent streaming clients, time to the first event and to the end, p50 and p99, straight to
 *       the server and through the proxy (journal commit included), rounds alternating;</li>
 *   <li>the server's readiness to the first held request sent: the server stopped, requests held, the server
 *       started again; from the supervisor's Ready event to the server receiving the first request;</li>
 *   <li>a bounded chaos run: clients with idempotency keys, the server killed with SIGKILL repeatedly; requests
 *       committed, answered, lost, answered twice, and the server's extra work (replays).</li>
 * </ol>
 * Usage: {@code ProxyBench [rounds] [requests per client per round] [clients] [overhead]} (default 3, 40, 32; "overhead":
 * only the first part).
 */
public final class ProxyBench {
    private static int clients = 32;

    private ProxyBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int perClient = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        if (args.length > 2) clients = Integer.parseInt(args[2]);
        boolean all = args.length <= 3 || !args[3].equals("overhead");
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("proxybench.dir", "target")), "proxy-bench");
        System.out.printf(Locale.ROOT, "ProxyBench: java %s, %d cores, in %s%n", Runtime.version(), Runtime.getRuntime().availableProcessors(), dir);
        overhead(dir, rounds, perClient);
        if (!all) return;
        readinessToDispatch(dir);
        chaos(dir);
    }

    // ------------------------------------------------------------------ 1. overhead

    private static void overhead(Path dir, int rounds, int perClient) throws Exception {
        int serverPort = freePort();
        Process server = fakeServer(serverPort, dir.resolve("served-overhead"), "--events", "16", "--event-millis", "2", "--reply-millis", "0");
        try (Journal journal = Journal.sqlite(JournalSpec.builder(dir.resolve("overhead.db")).build());
             ReplayingProxy proxy = ReplayingProxy.start(journal, ProxySpec.builder(URI.create("http://127.0.0.1:" + serverPort)).build());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            awaitHealth(client, URI.create("http://127.0.0.1:" + serverPort + "/health"));
            URI direct = URI.create("http://127.0.0.1:" + serverPort + "/v1/chat/completions");
            URI proxied = URI.create(proxy.uri() + "/v1/chat/completions");
            streams(client, direct, clients, 10);                     // warm both paths
            streams(client, proxied, clients, 10);
            Samples firstDirect = new Samples(), totalDirect = new Samples(), firstProxy = new Samples(), totalProxy = new Samples();
            for (int r = 0; r < rounds; r++) {
                Samples[] d = streams(client, direct, clients, perClient);
                Samples[] p = streams(client, proxied, clients, perClient);
                add(firstDirect, d[0]);
                add(totalDirect, d[1]);
                add(firstProxy, p[0]);
                add(totalProxy, p[1]);
                System.out.printf(Locale.ROOT, "round %d: first event p50 %.3f / %.3f ms, end p50 %.3f / %.3f ms (straight / proxy)%n", r + 1,
                        d[0].medianMillis(), p[0].medianMillis(), d[1].medianMillis(), p[1].medianMillis());
            }
            System.out.printf(Locale.ROOT, "1. %d concurrent streams of 16 events, %d requests per side:%n", clients, firstDirect.size());
            System.out.printf(Locale.ROOT, "   time to first event   straight p50 %7.3f p99 %7.3f ms | proxy p50 %7.3f p99 %7.3f ms | +%.3f / +%.3f ms%n",
                    firstDirect.medianMillis(), firstDirect.percentileMillis(99), firstProxy.medianMillis(), firstProxy.percentileMillis(99),
                    firstProxy.medianMillis() - firstDirect.medianMillis(), firstProxy.percentileMillis(99) - firstDirect.percentileMillis(99));
            System.out.printf(Locale.ROOT, "   time to the end       straight p50 %7.3f p99 %7.3f ms | proxy p50 %7.3f p99 %7.3f ms | +%.3f / +%.3f ms%n",
                    totalDirect.medianMillis(), totalDirect.percentileMillis(99), totalProxy.medianMillis(), totalProxy.percentileMillis(99),
                    totalProxy.medianMillis() - totalDirect.medianMillis(), totalProxy.percentileMillis(99) - totalDirect.percentileMillis(99));
        } finally {
            server.toHandle().destroyForcibly();
            server.waitFor();
        }
    }

    private static void add(Samples to, Samples from) {
        for (int i = 1; i <= from.size(); i++) to.add((long) from.percentile(100.0 * i / from.size()));
    }

    /** {@code clients} clients each sending {@code n} streaming requests one after the other: [first event, end] in ns. */
    private static Samples[] streams(HttpClient client, URI uri, int clients, int n) throws Exception {
        Samples first = new Samples();
        Samples total = new Samples();
        List<long[]> all = new CopyOnWriteArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int cc = c;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        HttpRequest r = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fake\",\"marker\":\"b-" + cc + "-" + i
                                        + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
                        long t0 = System.nanoTime();
                        HttpResponse<InputStream> resp = client.send(r, HttpResponse.BodyHandlers.ofInputStream());
                        long firstAt = -1;
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                            for (String line; (line = in.readLine()) != null; ) {
                                if (firstAt < 0 && line.startsWith("data:")) firstAt = System.nanoTime();
                            }
                        }
                        all.add(new long[] {firstAt - t0, System.nanoTime() - t0});
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        for (long[] s : all) {
            first.add(s[0]);
            total.add(s[1]);
        }
        return new Samples[] {first, total};
    }

    // ------------------------------------------------------------------ 2. readiness -> first dispatch

    private static void readinessToDispatch(Path dir) throws Exception {
        int serverPort = freePort();
        Path served = dir.resolve("served-ready");
        AtomicLong readyAt = new AtomicLong();
        Samples delays = new Samples();
        try (Journal journal = Journal.sqlite(JournalSpec.builder(dir.resolve("ready.db")).build());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            ReplayingProxy proxy = ReplayingProxy.start(journal, ProxySpec.builder(URI.create("http://127.0.0.1:" + serverPort)).upstreamChild("llm").build());
            Supervisor tree = Supervisor.start(SupervisorSpec.builder("proxy-bench-" + ProcessHandle.current().pid()).shutdownHook(false)
                    .listener(e -> {
                        if (e instanceof SupervisorEvent.ChildNoticed n && n.notice() instanceof ProcessEvent.Ready) readyAt.set(epochMicros());
                    })
                    .listener(proxy.listener())
                    .child(serverSpec(serverPort, served).readinessInterval(Duration.ofMillis(20))).build());
            try {
                for (int i = 0; i < 5; i++) {
                    tree.terminateChild("llm").join();
                    Files.deleteIfExists(served);
                    Thread.ofVirtual().start(() -> {
                        try {
                            client.send(HttpRequest.newBuilder(URI.create(proxy.uri() + "/v1/chat/completions")).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"marker\":\"held\",\"messages\":[]}")).build(), HttpResponse.BodyHandlers.discarding());
                        } catch (Exception e) {
                            System.out.println("held request failed: " + e);
                        }
                    });
                    waitFor(() -> journal.counts().pending() == 1);
                    tree.restartChild("llm").join();
                    waitFor(() -> Files.exists(served) && !Files.readString(served).isBlank());
                    long received = Long.parseLong(Files.readString(served).trim().split(" ")[2]);
                    delays.add((received - readyAt.get()) * 1000);
                }
            } finally {
                tree.stop(Duration.ofSeconds(20));
                proxy.close();
            }
        }
        System.out.printf(Locale.ROOT, "2. the server's Ready event to the server receiving the first held request: median %.3f ms, max %.3f ms (%d restarts)%n",
                delays.medianMillis(), delays.percentileMillis(100), delays.size());
    }

    // ------------------------------------------------------------------ 3. chaos

    private static void chaos(Path dir) throws Exception {
        int serverPort = freePort();
        Path served = dir.resolve("served-chaos");                 // the server's own record, not read: kills cut it short
        int clients = 16;
        int perClient = 12;
        int kills = 6;
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        List<String> ids = new CopyOnWriteArrayList<>();
        AtomicLong failures = new AtomicLong();
        try (Journal journal = Journal.sqlite(JournalSpec.builder(dir.resolve("chaos.db")).build());
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            ReplayingProxy proxy = ReplayingProxy.start(journal, ProxySpec.builder(URI.create("http://127.0.0.1:" + serverPort)).upstreamChild("llm").build());
            Supervisor tree = Supervisor.start(SupervisorSpec.builder("proxy-chaos-" + ProcessHandle.current().pid()).shutdownHook(false)
                    .intensity(100, Duration.ofSeconds(10)).listener(proxy.listener())
                    .child(serverSpec(serverPort, served, "--reply-millis", "150").inFlightRequests(proxy.inFlightRequests())).build());
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int cc = c;
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < perClient; i++) {
                            String key = "chaos-" + cc + "-" + i;
                            HttpRequest r = HttpRequest.newBuilder(URI.create(proxy.uri() + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                                    .header("Content-Type", "application/json").header("Idempotency-Key", key)
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"marker\":\"" + key + "\",\"messages\":[]}")).build();
                            HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
                            resp.headers().firstValue("Supervision-Request-Id").ifPresent(ids::add);
                            if (resp.statusCode() == 200 && resp.body().contains("\"marker\":\"" + key + "\"")) answers.merge(key, 1, Integer::sum);
                            else failures.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(400);
                    tree.whichChildren().join().getFirst().details().ifPresent(d ->
                            ProcessHandle.of(((dev.supervision.process.ProcessDetails) d).pid()).ifPresent(ProcessHandle::destroyForcibly));
                }
                for (Future<?> f : fs) f.get();
            } finally {
                tree.stop(Duration.ofSeconds(20));
                proxy.close();
            }
            long committed = journal.counts().completed() + journal.counts().failed() + journal.counts().deadLettered()
                    + journal.counts().pending() + journal.counts().inFlight();
            long sends = ids.stream().mapToLong(id -> journal.get(id).map(e -> (long) e.attempts()).orElse(0L)).sum();
            long twice = answers.values().stream().filter(n -> n > 1).count();
            System.out.printf(Locale.ROOT, "3. chaos: %d clients x %d requests, the server killed -9 %d times: %d committed, %d answered,"
                            + " %d lost, %d answered twice, %d failed; %d sends to the server (%d resent after a kill)%n",
                    clients, perClient, kills, committed, answers.size(), committed - answers.size(), twice, failures.get(), sends,
                    sends - answers.size());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ProcessSpec.Builder serverSpec(int port, Path served, String... extra) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.supervision.journal.proxy.FakeOpenAiServer",
                "--port", Integer.toString(port), "--served", served.toString(), "--stamp", "true"));
        command.addAll(List.of(extra));
        return ProcessSpec.builder("llm").command(command).readiness(Probe.http("http://127.0.0.1:" + port + "/health"))
                .backoff(Backoff.none()).stopTimeout(Duration.ofSeconds(2)).output(OutputSpec.builder().sinks(OutputSink.discard()).build());
    }

    private static Process fakeServer(int port, Path served, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.supervision.journal.proxy.FakeOpenAiServer",
                "--port", Integer.toString(port), "--served", served.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
    }

    private static void awaitHealth(HttpClient client, URI health) throws Exception {
        waitFor(() -> {
            try {
                return client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out");
            Thread.sleep(1);                                   // a harness, not a test: polling with a pause is fine here
        }
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

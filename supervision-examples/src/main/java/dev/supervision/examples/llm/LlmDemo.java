package dev.supervision.examples.llm;

import dev.supervision.Backoff;
import dev.supervision.ExitReason;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.probe.Probe;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The LLM-server demo: {@link FakeLlmServer} (an OpenAI-compatible fake: slow to load, then
 * {@code /health} and {@code /v1/chat/completions}) supervised as vLLM would be, with readiness and
 * liveness probes on {@code /health} and a memory limit on its process tree, while a client keeps
 * calling it. Its first start runs out of GPU memory (CUDA OOM), its second hangs, its third leaks
 * memory; the fourth serves. The output shows each crash classified, each restart, and the service
 * coming back; at the end, the crash history and the tree.
 *
 * <p>Runs until the fourth start has served for a while (about a minute), or {@code args[0]} seconds at most
 * (default 120). No GPU, no network beyond loopback.
 *
 * <pre>./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -pl supervision-examples exec:exec@demo-llm</pre>
 */
public final class LlmDemo {
    private static final long MIB = 1L << 20;
    /** Starts that became ready: the fourth is the one without a fault. */
    private static final AtomicInteger READY = new AtomicInteger();

    private LlmDemo() {}

    public static void main(String[] args) throws Exception {
        long maxSeconds = args.length > 0 ? Long.parseLong(args[0]) : 120;
        Path state = Files.createTempDirectory("supervision-llm-demo");
        int port = freePort();
        String health = "http://127.0.0.1:" + port + "/health";
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessSpec server = ProcessSpec.builder("llm")
                .command(java, "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        FakeLlmServer.class.getName(), "--port", Integer.toString(port), "--load-seconds", "2",
                        "--faults", "oom,hang,leak", "--fail-after", "25")
                .readiness(Probe.http(health)).readinessInterval(Duration.ofMillis(250)).startTimeout(Duration.ofMinutes(1))
                .liveness(Probe.Liveness.of(Probe.http(health)).withInterval(Duration.ofSeconds(1))
                        .withTimeout(Duration.ofMillis(500)).withFailureThreshold(3))
                .guards(GuardSpec.builder().treeRssLimitBytes(400 * MIB).interval(Duration.ofMillis(250)).build())
                .stopTimeout(Duration.ofSeconds(5))
                .output(OutputSpec.builder().sinks(OutputSink.passThrough()).build())
                .stateDirectory(state)
                .build();
        SupervisorSpec tree = SupervisorSpec.builder("llm-demo")
                .intensity(10, Duration.ofMinutes(1))
                .shutdownHook(true)
                .listener(LlmDemo::print)
                .child(server.toBuilder().backoff(Backoff.exponential(Duration.ofMillis(250), Duration.ofSeconds(2))))
                .build();
        say("supervising a fake vLLM on port " + port + " (state in " + state + "); a client calls it every 100 ms");
        Client client = new Client(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"));
        try (Supervisor sup = Supervisor.start(tree)) {
            Thread calls = Thread.ofVirtual().name("demo-client").start(client::run);
            long end = System.nanoTime() + Duration.ofSeconds(maxSeconds).toNanos();
            while (System.nanoTime() < end && !(client.servedByFourth() >= 40)) {
                Thread.sleep(Duration.ofSeconds(2));              // demo pacing: a summary every 2 s
                client.summary();
            }
            calls.interrupt();
            sup.stop().join();
            say("the tree after the demo:");
            System.out.print(sup.snapshot().join().render());
        }
        CrashHistory history = CrashHistory.open(state, "llm-demo");
        say("crash history " + history.file() + ": " + history.countsByKind());
        for (CrashReport r : history.all()) {
            say("  incarnation " + r.incarnation() + ": " + r.kind() + r.advice().map(a -> " - " + a).orElse("")
                    + r.rssBytes().stream().mapToObj(b -> String.format(Locale.ROOT, " (tree RSS at death %d MiB)", b / MIB)).findFirst().orElse(""));
        }
        say(String.format(Locale.ROOT, "client: %d requests answered, %d failed while the server was down or stuck",
                client.ok.get(), client.failed.get()));
    }

    private static void say(String line) {
        System.out.println("demo   | " + line);
    }

    private static void print(SupervisorEvent e) {
        switch (e) {
            case SupervisorEvent.ChildNoticed n -> {
                switch (n.notice()) {
                    case ProcessEvent.Launched l -> say("launched pid " + l.pid());
                    case ProcessEvent.Ready r -> say("ready after " + millis(r.after()) + " (" + r.how() + "), start "
                            + READY.incrementAndGet());
                    case ProcessEvent.Crashed c -> say("CRASH classified " + c.report().kind()
                            + c.report().matchedLine().map(l -> ": " + shorten(l)).orElse("")
                            + "\n       | action: " + c.action() + c.report().advice().map(a -> "; advice: " + a).orElse(""));
                    case ProcessEvent.GuardTripped g -> say("memory guard: " + g.trip().kind() + ", tree RSS "
                            + g.trip().measuredBytes() / MIB + " MiB over the limit of " + g.trip().limitBytes() / MIB + " MiB");
                    case ProcessEvent.ProbeFailed p -> say("liveness failed " + p.consecutive() + "/" + p.threshold() + ": " + shorten(p.detail()));
                    case ProcessEvent.ReadinessFailed r -> { }          // every 250 ms while the model loads: the ready line says enough
                    default -> say(n.notice().describe());
                }
            }
            case SupervisorEvent.ChildExited x -> say("exited: " + shorten(switch (x.reason()) {
                case ExitReason.Failure f -> f.cause().getMessage();
                default -> x.reason().toString();
            }));
            case SupervisorEvent.RestartScheduled r -> say("restart in " + millis(r.delay()));
            case SupervisorEvent.ChildStarted s -> { /* "ready" says it */ }
            default -> say(e.toString());
        }
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String shorten(String s) {
        return s.length() <= 150 ? s : s.substring(0, 147) + "...";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Calls the server every 100 ms, each call with a 2 s timeout; tells when the service goes down and comes back. */
    private static final class Client {
        private final URI uri;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final AtomicInteger okSinceSummary = new AtomicInteger();
        private final AtomicInteger failedSinceSummary = new AtomicInteger();
        private final AtomicInteger okFromTheFourthStart = new AtomicInteger();
        private volatile long downSince;

        Client(URI uri) {
            this.uri = uri;
        }

        void run() {
            String body = "{\"model\":\"fake-qwen2.5-7b\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise supervision trees.\"}]}";
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
                    ok.incrementAndGet();
                    okSinceSummary.incrementAndGet();
                    if (downSince != 0) {
                        System.out.printf(Locale.ROOT, "client | service BACK after %.1f s down%n", (System.nanoTime() - downSince) / 1e9);
                        downSince = 0;
                    }
                    if (READY.get() >= 4) okFromTheFourthStart.incrementAndGet();
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    failed.incrementAndGet();
                    failedSinceSummary.incrementAndGet();
                    if (downSince == 0) {
                        downSince = System.nanoTime();
                        System.out.println("client | service DOWN: " + e.getClass().getSimpleName()
                                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        /** Answers given by the fourth start, the one without a fault. */
        int servedByFourth() {
            return okFromTheFourthStart.get();
        }

        void summary() {
            System.out.printf(Locale.ROOT, "client | last 2 s: %d answered, %d failed (total %d answered, %d failed)%n",
                    okSinceSummary.getAndSet(0), failedSinceSummary.getAndSet(0), ok.get(), failed.get());
        }
    }
}

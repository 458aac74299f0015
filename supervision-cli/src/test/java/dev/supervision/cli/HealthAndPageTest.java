package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health listener ({@code --health-bind}: /livez, /readyz, /metrics without the token, nothing else), the metrics
 * of a tree whose child was killed, and the page of the live tree in a real browser (headless Chromium from Debian's
 * packages; skipped, saying so, where it is not installed).
 */
class HealthAndPageTest {
    private static final Duration EXIT = Duration.ofSeconds(60);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** A sample line of the exposition format: name{labels} value. */
    private static final Pattern SAMPLE = Pattern.compile("[a-z_]+\\{(?:[a-z_]+=\"(?:[^\"\\\\]|\\\\.)*\",?)*} -?[0-9.e+-]+");

    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
            if (token != null) b.header("Authorization", "Bearer " + token);
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static long value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(metrics);
        assertThat(m.find()).as(series + " in\n" + metrics).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void healthMetricsAndThePageOfALiveTree() throws Exception {
        Files.writeString(dir.resolve("tree.yaml"), """
                name: web
                intensity: 10
                children:
                  - id: server
                    command: [sleep, "1000"]
                    startSeconds: 100ms
                  - id: quiet
                    shell: "echo hello from quiet; exec sleep 1000"
                    startSeconds: 100ms
                    backoff: none
                """);
        int health = freePort();
        try (Cli cli = Cli.start(dir, Map.of(), "--config", dir.resolve("tree.yaml").toString(), "--health-bind", "127.0.0.1:" + health)) {
            String base = "http://127.0.0.1:" + health;
            await().atMost(EXIT).ignoreExceptions().untilAsserted(() -> assertThat(get(base + "/readyz", null).statusCode()).isEqualTo(200));
            assertThat(get(base + "/livez", null).body()).isEqualTo("{\"alive\":true}");
            assertThat(get(base + "/status", null).statusCode()).as("the tree's details stay behind the token").isEqualTo(404);
            assertThat(get(base + "/children/quiet/restart", null).statusCode()).isEqualTo(404);

            await().atMost(EXIT).until(() -> Files.exists(cli.stateDir.resolve("web/status.port")));
            String status = "http://127.0.0.1:" + Files.readString(cli.stateDir.resolve("web/status.port")).trim();
            String token = Files.readString(cli.stateDir.resolve("web/status.token")).trim();
            assertThat(get(status + "/metrics", null).statusCode()).isEqualTo(401);

            // A child killed from outside: counted, restarted, its memory measured.
            Matcher pid = Pattern.compile("(?m)^quiet\\s+RUNNING\\s+(\\d+)").matcher(statusText());
            assertThat(pid.find()).isTrue();
            ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow().destroyForcibly();
            await().atMost(EXIT).untilAsserted(() -> {
                String metrics = get(base + "/metrics", null).body();
                assertThat(value(metrics, "supervise_child_crashes_total{tree=\"web\",child=\"quiet\",kind=\"KILLED\"}")).isEqualTo(1);
                assertThat(value(metrics, "supervise_child_restarts_total{tree=\"web\",child=\"quiet\"}")).isEqualTo(1);
                assertThat(value(metrics, "supervise_child_up{tree=\"web\",child=\"quiet\"}")).isEqualTo(1);
            });
            String metrics = get(status + "/metrics", token).body();
            assertThat(value(metrics, "supervise_child_resident_memory_bytes{tree=\"web\",child=\"server\"}")).isPositive();
            assertThat(value(metrics, "supervise_child_state{tree=\"web\",child=\"server\",state=\"RUNNING\"}")).isEqualTo(1);
            for (String line : metrics.lines().toList()) {
                assertThat(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || SAMPLE.matcher(line).matches()).as(line).isTrue();
            }

            // The page, in a real browser: the children, the crash report, the events.
            assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium is not installed here (/usr/bin/chromium): the page was not"
                    + " tested in a browser; .ci/run installs Debian's chromium");
            assertThat(get(status + "/", null).body()).contains("<title>supervise</title>");
            String dom = chromium(status + "/#token=" + token, "--dump-dom");
            assertThat(dom).contains("data-child=\"server\"", "data-child=\"quiet\"", "tree web", "2 of 2 children running")
                    .contains("Crash of 'quiet' in tree 'web'", "Kind: KILLED, known by the exit status alone")
                    .contains("quiet: launched pid").contains("<div id=\"error\"></div>");
            Matcher row = Pattern.compile("data-child=\"quiet\"><td>quiet</td><td class=\"state RUNNING\">RUNNING</td><td class=\"pid\">(\\d+)</td>"
                    + ".*?<td class=\"restarts\">1</td>").matcher(dom);
            assertThat(row.find()).as(dom).isTrue();
            assertThat(chromium(status + "/", "--dump-dom")).as("no token: it asks for one").contains("<form id=\"login\">");
            Path shot = dir.resolve("page.png");
            chromium(status + "/#token=" + token, "--window-size=1280,900", "--screenshot=" + shot);
            assertThat(shot).isNotEmptyFile();
            assertThat(Files.readAllBytes(shot)).startsWith(0x89, 'P', 'N', 'G');
        }
    }

    private String statusText() throws Exception {
        try (Cli status = Cli.start(dir, Map.of(), "status", "--tree", "web")) {
            await().atMost(EXIT).until(() -> !status.process.isAlive());
            return status.stdout();
        }
    }

    /** Runs headless Chromium on {@code url} with its JavaScript given 5 s of virtual time; its standard output. */
    private String chromium(String url, String... what) throws Exception {
        List<String> argv = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"), "--virtual-time-budget=5000"));
        argv.addAll(List.of(what));
        argv.add(url);
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}

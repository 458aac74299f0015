package dev.supervision.process.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.probe.Probe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probes against real things: the JDK's own {@code jwebserver}, real files, real commands. */
class ProbesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    @TempDir static Path www;
    private static Process server;
    private static int port;

    @BeforeAll
    static void startJwebserver() throws IOException {
        Files.writeString(www.resolve("health"), "{\"status\":\"ok\"}");
        port = freePort();
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        server = new ProcessBuilder(java.resolveSibling("jwebserver").toString(), "-b", "127.0.0.1", "-p", String.valueOf(port),
                "-d", www.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> attempt(Probe.tcp("127.0.0.1", port), TIMEOUT).join() == null);
    }

    @AfterAll
    static void stopJwebserver() throws InterruptedException {
        server.destroyForcibly().waitFor();
    }

    /** One attempt, its thread's end not awaited. */
    private static CompletableFuture<String> attempt(Probe probe, Duration timeout) {
        return Probes.attempt(probe, timeout, () -> { });
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void httpProbePassesOn2xxAndFailsNamingTheStatus() {
        assertThat(attempt(Probe.http("http://127.0.0.1:" + port + "/health"), TIMEOUT).join()).isNull();
        assertThat(attempt(Probe.http("http://127.0.0.1:" + port + "/missing"), TIMEOUT).join()).isEqualTo("HTTP status 404");
    }

    @Test
    void httpProbeChecksTheBodyWhenAsked() {
        assertThat(attempt(Probe.http("http://127.0.0.1:" + port + "/health", "\"status\":\"ok\""), TIMEOUT).join()).isNull();
        assertThat(attempt(Probe.http("http://127.0.0.1:" + port + "/health", "ready"), TIMEOUT).join())
                .isEqualTo("body does not match /ready/");
    }

    @Test
    void httpAndTcpProbesFailOnAClosedPort() throws IOException {
        int closed = freePort();
        assertThat(attempt(Probe.http("http://127.0.0.1:" + closed + "/"), TIMEOUT).join()).startsWith("ConnectException");
        assertThat(attempt(Probe.tcp("127.0.0.1", closed), TIMEOUT).join()).startsWith("ConnectException");
    }

    @Test
    void fileProbeWaitsForTheFile() throws IOException {
        Path marker = www.resolve("model-loaded");
        assertThat(attempt(Probe.file(marker), TIMEOUT).join()).isEqualTo("no file " + marker);
        Files.writeString(marker, "");
        assertThat(attempt(Probe.file(marker), TIMEOUT).join()).isNull();
    }

    @Test
    void anHttpProbeIsCutOffAtItsTimeoutWhileTheBodyTricklesIn() throws Exception {
        // A real server written for this test: 200 with a long body, one byte every 3 s (each read is quicker
        // than the probe's 4 s timeout, the whole body far slower).
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        AtomicReference<Socket> accepted = new AtomicReference<>();
        try (ServerSocket trickler = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    Socket s = trickler.accept();
                    accepted.set(s);
                    s.getInputStream().read(new byte[4096]);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    pacer.scheduleAtFixedRate(() -> {
                        try {
                            out.write('x');
                            out.flush();
                        } catch (IOException closed) {
                            throw new UncheckedIOException(closed);        // the probe hung up: no more bytes
                        }
                    }, 0, 3, TimeUnit.SECONDS);
                } catch (IOException closed) {
                    // the probe hung up before the headers
                }
            });
            String outcome = attempt(Probe.http("http://127.0.0.1:" + trickler.getLocalPort() + "/health", "ready"),
                    Duration.ofSeconds(4)).get(20, TimeUnit.SECONDS);
            assertThat(outcome).isEqualTo("timed out after 4 s");
            // Closing the connection waits for the reading thread's current read: the timeout falls at 4 s, the
            // next byte at 6 s, so a timer thread doing that wait would be held 2 s. The timer thread that every
            // probe, check and stop of the JVM shares must not be the one waiting: it runs a task within 1 s
            // (half the hold, with room for a loaded machine).
            CompletableFuture<Void> timerRan = new CompletableFuture<>();
            ProcessTimers.after(Duration.ZERO, () -> timerRan.complete(null));
            timerRan.get(1, TimeUnit.SECONDS);
        } finally {
            pacer.shutdownNow();
            Socket s = accepted.get();
            if (s != null) s.close();
        }
    }

    @Test
    void aCommandProbeThatTimesOutTakesItsChildrenWithIt() throws IOException {
        Path pidFile = www.resolve("probe-child.pid");
        String outcome = attempt(Probe.command("bash", "-c", "sleep 1000 & echo $! > " + pidFile + "; wait"),
                Duration.ofMillis(500)).join();
        assertThat(outcome).isEqualTo("timed out after 500 ms");
        long child = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessScan.startTime(child).isEmpty());
    }

    @Test
    void commandProbePassesOnExitZeroAndTimesOut() {
        assertThat(attempt(Probe.command("true"), TIMEOUT).join()).isNull();
        assertThat(attempt(Probe.command("sh", "-c", "exit 3"), TIMEOUT).join()).isEqualTo("exit 3");
        assertThat(attempt(Probe.command("sleep", "30"), Duration.ofMillis(200)).join()).isEqualTo("timed out after 200 ms");
    }
}

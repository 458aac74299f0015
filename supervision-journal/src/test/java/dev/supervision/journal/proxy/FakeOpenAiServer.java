package dev.supervision.journal.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A FAKE OpenAI-compatible server, the upstream of the proxy tests (run as a real process under a real
 * supervisor): {@code GET /health}; {@code POST /v1/chat/completions} answers JSON, or server-sent events when the
 * body asks {@code "stream":true}. Every answer names the request's {@code "marker"} value and this process's pid,
 * so a test can tell which request, and which incarnation, answered. On purpose, as real servers do under load:
 * a body holding {@code CRASH-NOW} kills the process (exit 134, as an abort) while it is being answered;
 * {@code CRASH-MID} does so after half of a stream's events were sent. With {@code --crash-while FILE}, only while
 * that file exists (deleting it is "the fix" an operator deploys before replaying the dead letters).
 *
 * <pre>FakeOpenAiServer --port P [--reply-millis 50] [--events 8] [--event-millis 20] [--load-millis 0] [--served FILE]
 *                  [--crash-while FILE]</pre>
 * {@code --served} appends "marker pid" for every answer fully written; with {@code --stamp true}, "marker pid
 * micros-since-the-epoch-when-the-request-arrived".
 */
@SuppressWarnings("exports")                      // a test program: Jetty's types in its signatures are its own business
public final class FakeOpenAiServer extends Handler.Abstract {
    private static final Pattern MARKER = Pattern.compile("\"marker\"\\s*:\\s*\"([^\"]*)\"");

    private final long replyMillis;
    private final int events;
    private final long eventMillis;
    private final Path served;
    private final boolean stamp;
    private final Path crashWhile;
    private final AtomicInteger count = new AtomicInteger();

    private FakeOpenAiServer(long replyMillis, int events, long eventMillis, Path served, boolean stamp, Path crashWhile) {
        this.replyMillis = replyMillis;
        this.events = events;
        this.eventMillis = eventMillis;
        this.served = served;
        this.stamp = stamp;
        this.crashWhile = crashWhile;
    }

    public static void main(String[] args) throws Exception {
        int port = 0;
        long replyMillis = 50;
        int events = 8;
        long eventMillis = 20;
        long loadMillis = 0;
        Path served = null;
        boolean stamp = false;
        Path crashWhile = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--reply-millis" -> replyMillis = Long.parseLong(args[i + 1]);
                case "--events" -> events = Integer.parseInt(args[i + 1]);
                case "--event-millis" -> eventMillis = Long.parseLong(args[i + 1]);
                case "--load-millis" -> loadMillis = Long.parseLong(args[i + 1]);
                case "--served" -> served = Path.of(args[i + 1]);
                case "--stamp" -> stamp = Boolean.parseBoolean(args[i + 1]);
                case "--crash-while" -> crashWhile = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Thread.sleep(loadMillis);                                        // "loading the model"
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setVirtualThreadsExecutor(VirtualThreads.getDefaultVirtualThreadsExecutor());
        Server http = new Server(threads);
        ServerConnector connector = new ServerConnector(http);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        http.addConnector(connector);
        http.setHandler(new FakeOpenAiServer(replyMillis, events, eventMillis, served, stamp, crashWhile));
        http.start();
        System.out.println("INFO:     Uvicorn running on http://127.0.0.1:" + connector.getLocalPort() + " (FAKE)");
        http.join();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path.equals("/health")) {
            respond(response, 200, "application/json", "{\"status\":\"ok\"}");
        } else if (path.equals("/v1/chat/completions") && request.getMethod().equals("POST")) {
            complete(request, response);
        } else {
            respond(response, 404, "application/json", "{\"error\":\"no such path: " + path + "\"}");
        }
        callback.succeeded();
        return true;
    }

    private void complete(Request request, Response response) throws Exception {
        java.time.Instant arrived = java.time.Instant.now();
        java.util.concurrent.CompletableFuture<byte[]> read = new java.util.concurrent.CompletableFuture<>();
        Content.Source.asByteArrayAsync(request, 1 << 20, org.eclipse.jetty.util.Promise.Invocable.toPromise(read));
        String body = new String(read.get(), StandardCharsets.UTF_8);
        Matcher m = MARKER.matcher(body);
        String marker = m.find() ? m.group(1) : "";
        long pid = ProcessHandle.current().pid();
        int n = count.incrementAndGet();
        boolean crashes = crashWhile == null || Files.exists(crashWhile);
        if (crashes && body.contains("CRASH-NOW")) {
            sleep(replyMillis / 2);
            System.err.println("terminate called without an active exception (FAKE crash on request " + marker + ")");
            Runtime.getRuntime().halt(134);
        }
        if (body.contains("\"stream\":true")) {
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "text/event-stream");
            for (int i = 0; i < events; i++) {
                if (crashes && i == events / 2 && body.contains("CRASH-MID")) {
                    System.err.println("terminate called without an active exception (FAKE crash mid-stream on " + marker + ")");
                    Runtime.getRuntime().halt(134);
                }
                sleep(eventMillis);
                Content.Sink.write(response, false, ByteBuffer.wrap(("data: {\"id\":\"chatcmpl-" + n + "\",\"marker\":\"" + marker
                        + "\",\"pid\":" + pid + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token " + i + "\"}}]}\n\n")
                        .getBytes(StandardCharsets.UTF_8)));
            }
            Content.Sink.write(response, true, ByteBuffer.wrap("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8)));
            served(marker, pid, arrived);
            return;
        }
        sleep(replyMillis);
        respond(response, 200, "application/json", "{\"id\":\"chatcmpl-" + n + "\",\"object\":\"chat.completion\",\"marker\":\"" + marker
                + "\",\"pid\":" + pid + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"answer to "
                + marker + "\"},\"finish_reason\":\"stop\"}]}");
        served(marker, pid, arrived);
    }

    private void served(String marker, long pid, java.time.Instant arrived) throws IOException {
        if (served == null) return;
        String line = marker + " " + pid + (stamp ? " " + (arrived.getEpochSecond() * 1_000_000 + arrived.getNano() / 1000) : "") + "\n";
        synchronized (this) {
            Files.writeString(served, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static void respond(Response response, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put("Content-Type", type);
        response.getHeaders().put("Content-Length", b.length);
        Content.Sink.write(response, true, ByteBuffer.wrap(b));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

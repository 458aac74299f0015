package dev.supervision.examples.llm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OpenAI-compatible LLM server for the demos and tests: no GPU, no model, no network beyond
 * loopback. It "loads a model" for a while (logging as vLLM does), then serves {@code GET /health} and
 * {@code POST /v1/chat/completions} on 127.0.0.1, and fails on purpose after a number of requests, the way
 * real servers fail:
 * <ul>
 *   <li>{@code oom}: prints PyTorch's CUDA out-of-memory traceback and exits 1;</li>
 *   <li>{@code hang}: stops answering, {@code /health} included, and prints nothing more (a deadlocked
 *       engine);</li>
 *   <li>{@code leak}: keeps every request's KV cache (and more, in the background) until stopped: its
 *       resident memory grows by about 24 MiB a second;</li>
 *   <li>{@code none}: serves until stopped.</li>
 * </ul>
 * The fault is chosen by {@code --faults oom,hang,leak}: the n-th start (its {@code SUPERVISION_INCARNATION},
 * set by the supervisor) takes the n-th fault of the list, and starts past its end take {@code none}.
 *
 * <pre>java dev.supervision.examples.llm.FakeLlmServer --port 8000 [--load-seconds 2] [--faults oom,hang,leak] [--fail-after 25]</pre>
 */
public final class FakeLlmServer {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm:ss", Locale.ROOT);
    private static final PrintStream OUT = System.out;
    private static final PrintStream ERR = System.err;

    private final String fault;
    private final int failAfter;
    private final AtomicInteger served = new AtomicInteger();
    private final CountDownLatch never = new CountDownLatch(1);
    private final List<byte[]> kvCache = new ArrayList<>();
    private volatile boolean hung;

    private FakeLlmServer(String fault, int failAfter) {
        this.fault = fault;
        this.failAfter = failAfter;
    }

    public static void main(String[] args) throws Exception {
        int port = 8000;
        double loadSeconds = 2;
        String faults = "";
        int failAfter = 25;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--load-seconds" -> loadSeconds = Double.parseDouble(args[i + 1]);
                case "--faults" -> faults = args[i + 1];
                case "--fail-after" -> failAfter = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int incarnation = Integer.parseInt(System.getenv().getOrDefault("SUPERVISION_INCARNATION", "1"));
        List<String> list = faults.isBlank() ? List.of() : Arrays.asList(faults.split(","));
        String fault = incarnation <= list.size() ? list.get(incarnation - 1).trim() : "none";
        new FakeLlmServer(fault, failAfter).run(port, loadSeconds);
    }

    private static void info(String where, String text) {
        OUT.println("INFO " + LocalDateTime.now().format(TIME) + " [" + where + "] " + text);
    }

    private void run(int port, double loadSeconds) throws Exception {
        info("api_server.py:1351", "vLLM API server version 0.11.0 (FAKE: no GPU, no model)");
        info("model.py:1170", "Using max model len 32768");
        long loadMillis = (long) (loadSeconds * 1000);
        Thread.sleep(loadMillis / 2);
        info("gpu_model_runner.py:1595", "Model loading took 14.99 GiB and " + loadSeconds / 2 + " seconds");
        Thread.sleep(loadMillis / 2);
        info("kv_cache_utils.py:716", "GPU KV cache size: 291,536 tokens");
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/health", this::health);
        http.createContext("/v1/chat/completions", this::complete);
        http.start();
        info("launcher.py:29", "fault for this start: " + fault + (fault.equals("none") ? "" : " after " + failAfter + " requests"));
        OUT.println("INFO:     Uvicorn running on http://127.0.0.1:" + port + " (Press CTRL+C to quit)");
        if (fault.equals("leak")) Thread.ofPlatform().daemon().start(this::leakInTheBackground);
        never.await();
    }

    private void health(HttpExchange ex) throws IOException {
        if (hung) hangForever();
        respond(ex, 200, "");
    }

    private void complete(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
        }
        if (hung) hangForever();
        int n = served.incrementAndGet();
        if (n == failAfter) fail();
        if (fault.equals("leak")) keep(8 << 20);
        String body = "{\"id\":\"chatcmpl-" + n + "\",\"object\":\"chat.completion\",\"model\":\"fake-qwen2.5-7b\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Answer number " + n + ".\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}";
        respond(ex, 200, body);
    }

    private void fail() {
        switch (fault) {
            case "oom" -> {
                ERR.println("ERROR " + LocalDateTime.now().format(TIME) + " [core.py:700] EngineCore encountered a fatal error.");
                ERR.println("Traceback (most recent call last):");
                ERR.println("  File \"/usr/local/lib/python3.12/site-packages/vllm/v1/worker/gpu_model_runner.py\", line 1401, in execute_model");
                ERR.println("    hidden_states = self.model(input_ids=input_ids, positions=positions)");
                ERR.println("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB"
                        + " of which 1.12 GiB is free. Of the allocated memory 21.10 GiB is allocated by PyTorch, and 409.00 MiB is"
                        + " reserved by PyTorch but unallocated.");
                ERR.flush();
                Runtime.getRuntime().halt(1);
            }
            case "hang" -> hung = true;
            default -> { /* leak and none keep serving */ }
        }
    }

    private void hangForever() {
        try {
            never.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void leakInTheBackground() {
        while (true) {
            if (served.get() >= failAfter) keep(16 << 20);
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Holds {@code bytes} more, touched so that they are resident. */
    private synchronized void keep(int bytes) {
        byte[] b = new byte[bytes];
        Arrays.fill(b, (byte) 1);
        kvCache.add(b);
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}

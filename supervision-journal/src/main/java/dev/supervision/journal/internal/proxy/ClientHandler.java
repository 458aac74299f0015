package dev.supervision.journal.internal.proxy;

import dev.supervision.journal.Admission;
import dev.supervision.journal.Header;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalException;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.RequestState;
import dev.supervision.journal.StoredResponse;
import dev.supervision.journal.proxy.ProxySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request through the proxy (blocking, on a virtual thread): read and check it, journal it, and write
 * what the dispatcher reports, as it comes. A request is acknowledged only once it is committed: one that cannot
 * be stored gets 503 and is not kept. Reads ({@code GET}, {@code HEAD}) are not journaled: they are forwarded while
 * the server is ready and refused with 503 otherwise.
 */
public final class ClientHandler extends Handler.Abstract {
    /** The response header naming the journal's id of the request. */
    public static final String REQUEST_ID = "Supervision-Request-Id";
    /** Request headers not journaled: hop-by-hop, framing, and the key (kept on its own). */
    private static final Set<String> NOT_JOURNALED = Set.of("host", "content-length", "connection", "keep-alive", "transfer-encoding",
            "te", "upgrade", "expect", "idempotency-key", "proxy-connection");
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);

    private final Journal journal;
    private final Dispatcher dispatcher;
    private final ProxySpec spec;

    public ClientHandler(Journal journal, Dispatcher dispatcher, ProxySpec spec) {
        this.journal = journal;
        this.dispatcher = dispatcher;
        this.spec = spec;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            serve(request, response);
            callback.succeeded();
        } catch (Throwable t) {
            callback.failed(t);
        }
        return true;
    }

    private void serve(Request request, Response response) throws Exception {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            forwardRead(request, response);
            return;
        }
        String target = request.getHttpURI().getPathQuery();
        long declared = request.getHeaders().getLongField("Content-Length");
        if (declared > spec.maxBodyBytes()) {
            refuse(response, 413, "the request body is " + declared + " bytes, over the limit of " + spec.maxBodyBytes(), 0, null);
            return;
        }
        byte[] body;
        try {
            java.util.concurrent.CompletableFuture<byte[]> read = new java.util.concurrent.CompletableFuture<>();
            Content.Source.asByteArrayAsync(request, (int) Math.min(spec.maxBodyBytes(), Integer.MAX_VALUE - 8),
                    org.eclipse.jetty.util.Promise.Invocable.toPromise(read));
            body = read.get();
        } catch (ExecutionException e) {
            refuse(response, 413, "the request body is over the limit of " + spec.maxBodyBytes() + " bytes", 0, null);
            return;
        }
        String type = String.valueOf(request.getHeaders().get("Content-Type")).toLowerCase(Locale.ROOT);
        if (type.contains("json")) {
            Optional<String> problem = JsonCheck.problem(body);
            if (problem.isPresent()) {
                refuse(response, 400, "the request body is not valid JSON: " + problem.get() + "; nothing was stored", 0, null);
                return;
            }
        }
        String key = request.getHeaders().get("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 255)) {
            refuse(response, 400, "Idempotency-Key: expected 1 to 255 characters, was " + key.length(), 0, null);
            return;
        }
        if (!dispatcher.hasRoom()) {
            refuse(response, 503, "the proxy holds " + spec.maxHeld() + " requests already; not accepted", spec.retryAfter().toSeconds(), null);
            return;
        }
        List<Header> headers = new ArrayList<>();
        for (HttpField f : request.getHeaders()) {
            if (!NOT_JOURNALED.contains(f.getName().toLowerCase(Locale.ROOT))) headers.add(new Header(f.getName(), f.getValue()));
        }
        Admission admission;
        try {
            admission = journal.admit(new NewRequest(Optional.ofNullable(key), method, target, headers, body)).get();
        } catch (ExecutionException e) {
            String why = e.getCause() instanceof JournalException j ? j.getMessage() : String.valueOf(e.getCause());
            refuse(response, 503, "not accepted: the journal could not store the request (" + why + ")", spec.retryAfter().toSeconds(), null);
            return;
        }
        String id = admission.entry().id();
        switch (admission) {
            case Admission.Admitted a -> {
                if (LOG.isDebugEnabled()) LOG.debug("proxy: request {} committed ({} {}{})", id, method, target, key == null ? "" : ", key " + key);
                Waiter w = dispatcher.register(id, true);
                dispatcher.enqueue(id);
                relay(id, w, response);
            }
            case Admission.KeyReused r -> refuse(response, 422, "Idempotency-Key " + key + " was used for another request (another method,"
                    + " path or body); a key names one request", 0, id);
            case Admission.Duplicate d -> retried(d.entry(), response);
        }
    }

    /** A retry with the key of a journaled request: its stored answer, or a wait for the one still running. */
    private void retried(JournaledRequest entry, Response response) throws Exception {
        String id = entry.id();
        JournaledRequest now = entry;
        Waiter w = null;
        if (now.state().unfinished()) {
            w = dispatcher.register(id, false);
            now = journal.get(id).orElse(now);                // it may have finished meanwhile
            if (now.state().unfinished()) {
                relay(id, w, response);
                return;
            }
            dispatcher.unregister(id, w);
        }
        if (now.response().isPresent() && (now.state() == RequestState.COMPLETED || now.state() == RequestState.FAILED)) {
            write(response, new Waiter.Whole(now.response().get(), true), id);
        } else if (now.state() == RequestState.FAILED) {
            journal.revive(id).get();                         // refused earlier (held too long): the client tries again
            Waiter again = dispatcher.register(id, true);
            dispatcher.enqueue(id);
            relay(id, again, response);
        } else {
            refuse(response, 502, "dead-lettered: " + now.lastError().orElse("no reason recorded") + "; an operator may replay it", 0, id);
        }
    }

    private void relay(String id, Waiter w, Response response) throws InterruptedException {
        try {
            while (true) {
                Waiter.Signal s = w.next(1000);
                if (s == null) continue;
                if (write(response, s, id)) return;
            }
        } catch (IOException gone) {
            dispatcher.unregister(id, w);                     // the client went away; the request goes on
        }
    }

    /** Writes one signal; true once the response is complete. */
    private static boolean write(Response response, Waiter.Signal s, String id) throws IOException {
        switch (s) {
            case Waiter.Head h -> {
                response.setStatus(h.status());
                for (Header header : h.headers()) response.getHeaders().add(header.name(), header.value());
                response.getHeaders().put(REQUEST_ID, id);
                Content.Sink.write(response, false, EMPTY);   // the headers go now: a stream's client sees them at once
                return false;
            }
            case Waiter.Chunk c -> {
                Content.Sink.write(response, false, ByteBuffer.wrap(c.bytes()));
                return false;
            }
            case Waiter.End e -> {
                Content.Sink.write(response, true, EMPTY);
                return true;
            }
            case Waiter.Whole w -> {
                StoredResponse r = w.response();
                response.setStatus(r.status());
                for (Header header : r.headers()) response.getHeaders().add(header.name(), header.value());
                response.getHeaders().put(REQUEST_ID, id);
                if (w.replayed()) response.getHeaders().put("Idempotent-Replayed", "true");
                byte[] body = r.body();
                response.getHeaders().put("Content-Length", body.length);
                Content.Sink.write(response, true, ByteBuffer.wrap(body));
                return true;
            }
            case Waiter.Refused r -> {
                refuse(response, r.status(), r.message(), r.retryAfterSeconds(), id);
                return true;
            }
            case Waiter.Cut c -> {
                String event = "event: error\ndata: {\"error\":{\"type\":\"upstream_crashed\",\"message\":" + quote(c.message()) + "}}\n\n";
                Content.Sink.write(response, true, ByteBuffer.wrap(event.getBytes(StandardCharsets.UTF_8)));
                return true;
            }
        }
    }

    private static void refuse(Response response, int status, String message, long retryAfterSeconds, String id) throws IOException {
        byte[] body = ("{\"error\":{\"type\":\"proxy_error\",\"message\":" + quote(message) + "}}").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        if (retryAfterSeconds > 0) response.getHeaders().put("Retry-After", Math.max(1, retryAfterSeconds));
        if (id != null) response.getHeaders().put(REQUEST_ID, id);
        response.getHeaders().put("Content-Length", body.length);
        Content.Sink.write(response, true, ByteBuffer.wrap(body));
    }

    private void forwardRead(Request request, Response response) throws IOException {
        Optional<StoredResponse> answer = dispatcher.forwardRead(request.getMethod(), request.getHttpURI().getPathQuery());
        if (answer.isEmpty()) {
            refuse(response, 503, "the server is not ready", spec.retryAfter().toSeconds(), null);
            return;
        }
        write(response, new Waiter.Whole(answer.get(), false), "-");
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}

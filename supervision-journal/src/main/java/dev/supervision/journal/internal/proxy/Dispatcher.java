package dev.supervision.journal.internal.proxy;

import dev.supervision.journal.Admission;
import dev.supervision.journal.Header;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.RequestState;
import dev.supervision.journal.StoredResponse;
import dev.supervision.journal.proxy.ProxyRefusal;
import dev.supervision.journal.proxy.ProxySpec;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.InFlightRequests;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends journaled requests to the server, in admission order, while it is ready; holds them while it is not; and
 * decides what a crash means for the requests it cut.
 *
 * <p>Crash attribution: the requests whose attempts a crash cut are replayed one at a time once the server is ready
 * again (nothing else is sent meanwhile). Not for a crash no request can cause (a SIGKILL from outside, kind
 * {@code KILLED}) or a stop without a crash: their requests are simply sent again. A request that then crashes the server on its own twice is poison: it is
 * dead-lettered with the crash reports, and the others complete. Where the crash's signature blames the request
 * itself (a CUDA device-side assert: a bad index from one request), one crash on its own is enough.
 *
 * <p>Threading: state under one lock; each attempt runs on a virtual thread of its own; the upstream client is
 * Jetty's (measured faster here than the JDK's for many concurrent streams). Thread-safe.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** Crash kinds whose signature says the request itself is at fault. */
    private static final Set<String> BLAME_THE_REQUEST = Set.of("DEVICE_ASSERT");
    /**
     * Crash kinds no request can cause: a SIGKILL that nothing shows the kernel sent (an operator's kill -9, a
     * container runtime). The requests such a crash cut are sent again as usual, nothing held against them.
     */
    private static final Set<String> NOT_THE_REQUESTS = Set.of("KILLED");
    /** Headers never sent upstream again: hop-by-hop, set by the client library, or this proxy's own. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host", "upgrade", "keep-alive",
            "transfer-encoding", "te", "trailer", "proxy-connection", "http2-settings");
    /** Response headers not stored (the proxy sets its own framing). */
    private static final Set<String> NOT_STORED = Set.of("connection", "content-length", "transfer-encoding", "keep-alive", "date", "server");

    private final Journal journal;
    private final ProxySpec spec;
    private final InFlightRequests tracked;
    private final String child;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Set<String> inFlight = new LinkedHashSet<>();
    private final Map<String, List<Waiter>> waiters = new HashMap<>();
    private final Set<String> suspects = new LinkedHashSet<>();
    private final Map<String, Integer> soloCrashes = new HashMap<>();
    private final Map<String, List<String>> crashNotes = new HashMap<>();
    private final List<String> cutSinceReady = new ArrayList<>();
    /** Streams a crash cut: still listed in flight until the server is ready again. */
    private final List<String> crashedWhileListed = new ArrayList<>();
    private boolean up;
    private boolean probing;
    private boolean closed;
    private Optional<CrashReport> lastCrash = Optional.empty();

    public Dispatcher(Journal journal, ProxySpec spec) {
        this.journal = journal;
        this.spec = spec;
        this.child = spec.upstreamChild().orElse("upstream");
        this.tracked = spec.inFlightRequests().orElseGet(InFlightRequests::new);
        this.http = new HttpClient();
        http.setConnectTimeout(5000);
        http.setMaxConnectionsPerDestination(Math.max(64, 2 * spec.maxConcurrent()));
        http.setIdleTimeout(spec.attemptTimeout().toMillis());
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("proxy: the upstream HTTP client did not start: " + e, e);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("supervision-proxy-timer").daemon(true).unstarted(r));
        this.up = spec.upstreamChild().isEmpty();             // not supervised: try, and probe after a failure
    }

    /**
     * The requests being sent to the server, for its process child's crash reports: begun when an attempt starts,
     * ended when it is answered; one a crash cut stays listed until the server is ready again, after the report.
     */
    public InFlightRequests inFlightRequests() {
        return tracked;
    }

    // ------------------------------------------------------------------ clients

    Waiter register(String id, boolean primary) {
        Waiter w = new Waiter(primary);
        lock.lock();
        try {
            waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(w);
        } finally {
            lock.unlock();
        }
        return w;
    }

    void unregister(String id, Waiter w) {
        w.gone();
        lock.lock();
        try {
            List<Waiter> ws = waiters.get(id);
            if (ws != null) {
                ws.remove(w);
                if (ws.isEmpty()) waiters.remove(id);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A request from Java (see {@code ReplayingProxy.send}): admitted, queued, answered whole. */
    public CompletableFuture<StoredResponse> call(NewRequest request) {
        CompletableFuture<StoredResponse> answer = new CompletableFuture<>();
        if (!hasRoom()) {
            answer.completeExceptionally(new ProxyRefusal(503, "the proxy holds " + spec.maxHeld() + " requests already; not accepted"));
            return answer;
        }
        journal.admit(request).whenComplete((admission, x) -> {
            if (x != null) {
                answer.completeExceptionally(new ProxyRefusal(503, "not accepted: the journal could not store the request ("
                        + (x instanceof CompletionException c && c.getCause() != null ? c.getCause().getMessage() : x.getMessage()) + ")"));
                return;
            }
            Thread.ofVirtual().name("supervision-proxy-call").start(() -> answer(admission, answer));
        });
        return answer;
    }

    private void answer(Admission admission, CompletableFuture<StoredResponse> answer) {
        String id = admission.entry().id();
        if (admission instanceof Admission.KeyReused) {
            answer.completeExceptionally(new ProxyRefusal(422, "Idempotency-Key " + admission.entry().request().idempotencyKey().orElse("")
                    + " was used for another request"));
            return;
        }
        Waiter w = register(id, false);
        JournaledRequest now = journal.get(id).orElse(admission.entry());
        if (admission instanceof Admission.Admitted) {
            enqueue(id);
        } else if (!now.state().unfinished()) {
            unregister(id, w);
            if (now.response().isPresent()) answer.complete(now.response().get());
            else answer.completeExceptionally(new ProxyRefusal(502, now.state() + ": " + now.lastError().orElse("no reason recorded")));
            return;
        }
        try {
            while (true) {
                Waiter.Signal s = w.next(1000);
                switch (s) {
                    case null -> { }
                    case Waiter.Whole whole -> {
                        answer.complete(whole.response());
                        return;
                    }
                    case Waiter.Refused r -> {
                        answer.completeExceptionally(new ProxyRefusal(r.status(), r.message()));
                        return;
                    }
                    default -> { }                                // a secondary waiter is told only the whole answer
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unregister(id, w);
            answer.completeExceptionally(e);
        }
    }

    /** Whether a new request may be taken: fewer than {@code maxHeld} wait to be sent. */
    boolean hasRoom() {
        lock.lock();
        try {
            return queue.size() < spec.maxHeld();
        } finally {
            lock.unlock();
        }
    }

    /** Queues an admitted (or revived) request to be sent, last; held until the hold deadline while the server is not ready. */
    void enqueue(String id) {
        lock.lock();
        try {
            queue.addLast(id);
            if (!up) holdAtMost(id);
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a request with this id is being sent or waits to be. */
    boolean isActive(String id) {
        lock.lock();
        try {
            return inFlight.contains(id) || queue.contains(id);
        } finally {
            lock.unlock();
        }
    }

    /**
     * At start: every unfinished request this journal holds (on SQLite, all of them: the journal is this process's alone)
     * is sent again, in order.
     */
    public void replayUnfinished() {
        for (JournaledRequest e : journal.unfinished()) {
            if (!journal.exclusive() && !e.lease().owner().equals(journal.owner())) continue;   // another replica's to finish
            if (e.state() == RequestState.IN_FLIGHT) journal.requeue(e.id(), "the proxy stopped while it was in flight").join();
            enqueue(e.id());
        }
    }

    /**
     * An operator's replay of a dead letter or a failed request: made PENDING again (its attempts cleared) and sent
     * after the requests already waiting.
     *
     * @throws IllegalArgumentException naming the id if the journal has no such request, or it is not dead-lettered
     *                                  or failed
     */
    public JournaledRequest replay(String id) {
        JournaledRequest e = journal.get(id).orElseThrow(() -> new IllegalArgumentException("no request " + id + " in the journal"));
        if (e.state() != RequestState.DEAD_LETTERED && e.state() != RequestState.FAILED) {
            throw new IllegalArgumentException("request " + id + " is " + e.state() + "; only a dead-lettered or failed one can be replayed");
        }
        JournaledRequest revived = journal.revive(id).join();
        enqueue(id);
        return revived;
    }

    /** A read ({@code GET}, {@code HEAD}) forwarded as it is while the server is ready; empty when it is not, or fails. */
    Optional<StoredResponse> forwardRead(String method, String target) {
        lock.lock();
        try {
            if (!up) return Optional.empty();
        } finally {
            lock.unlock();
        }
        try {
            ContentResponse r = http.newRequest(URI.create(base() + target)).method(method).timeout(30, TimeUnit.SECONDS).send();
            return Optional.of(new StoredResponse(r.getStatus(), storedHeaders(r), r.getContent()));
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ the server's state

    /** The server is ready: requests cut by its last crash are attributed, then everything held is sent. */
    public void upstreamReady() {
        lock.lock();
        try {
            if (closed) return;
            attributeLastCrash();
            up = true;
            probing = false;
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** The server is gone (crashed, stopped): nothing is sent until it is ready again. */
    public void upstreamDown(Optional<CrashReport> crash) {
        lock.lock();
        try {
            if (up) queue.forEach(this::holdAtMost);
            up = false;
            if (crash.isPresent()) lastCrash = crash;
        } finally {
            lock.unlock();
        }
    }

    private void attributeLastCrash() {
        for (String id : cutSinceReady) tracked.end(child, id);       // the crash report listing them is written by now
        crashedWhileListed.forEach(id -> tracked.end(child, id));
        crashedWhileListed.clear();
        if (cutSinceReady.isEmpty()) return;
        List<String> cut = new ArrayList<>(cutSinceReady);
        cutSinceReady.clear();
        if (lastCrash.isEmpty() || NOT_THE_REQUESTS.contains(lastCrash.get().kind())) {
            // Stopped (no crash), or killed from outside: nothing to attribute; resent first, in their order.
            lastCrash = Optional.empty();
            for (int i = cut.size() - 1; i >= 0; i--) queue.addFirst(cut.get(i));
            return;
        }
        String crash = lastCrash.map(r -> r.kind() + " (" + r.basis().phrase() + ": " + r.evidence() + ")").orElse("no crash report");
        boolean blamed = lastCrash.map(r -> BLAME_THE_REQUEST.contains(r.kind())).orElse(false);
        lastCrash = Optional.empty();
        for (String id : cut) crashNotes.computeIfAbsent(id, k -> new ArrayList<>()).add(crash + (cut.size() == 1 ? ", on its own" : ", with " + (cut.size() - 1) + " other(s)"));
        List<String> replay = new ArrayList<>();
        if (cut.size() == 1) {
            String id = cut.get(0);
            int alone = soloCrashes.merge(id, 1, Integer::sum);
            if (alone >= 2 || blamed) {
                String reason = "poison: it crashed the server on its own " + (alone >= 2 ? alone + " times" : "and the crash blames the request")
                        + "; crashes: " + String.join("; ", crashNotes.getOrDefault(id, List.of()));
                deadLetter(id, reason);
                suspects.remove(id);
            } else {
                replay.add(id);
                suspects.add(id);
            }
        } else {
            replay.addAll(cut);
            suspects.addAll(cut);                                // one at a time until each has run alone
        }
        for (int i = replay.size() - 1; i >= 0; i--) queue.addFirst(replay.get(i));
        if (!replay.isEmpty()) {
            LOG.info("proxy: the server crashed with {} request(s) in flight; replaying them one at a time", replay.size());
        }
    }

    // ------------------------------------------------------------------ sending

    /** Starts attempts while the server is ready and there is room (one at a time while suspects remain). Under the lock. */
    private void pump() {
        while (up && !closed && !queue.isEmpty() && inFlight.size() < (suspects.isEmpty() ? spec.maxConcurrent() : 1)) {
            String id = queue.pollFirst();
            inFlight.add(id);
            Thread.ofVirtual().name("supervision-proxy-attempt").start(() -> attempt(id));
        }
    }

    private void attempt(String id) {
        JournaledRequest e;
        try {
            e = journal.get(id).orElseThrow(() -> new IllegalStateException("the journal has no request " + id));
        } catch (RuntimeException x) {
            finishFailed(id, "the journal could not be read: " + x.getMessage());
            return;
        }
        int attempt = e.attempts() + 1;
        if (attempt > spec.maxAttempts()) {
            lock.lock();
            try {
                inFlight.remove(id);
                deadLetter(id, "sent " + spec.maxAttempts() + " times without an answer; last error: " + e.lastError().orElse("none"));
                pump();
            } finally {
                lock.unlock();
            }
            return;
        }
        // Committed while the request travels: nothing waits for it, and what follows for this request (its answer,
        // a requeue) is queued after it, to the same writer.
        journal.markInFlight(id).whenComplete((m, x) -> {
            if (x != null) LOG.error("proxy: request {}: the journal could not record attempt {}: {}", id, attempt, x.getMessage());
        });
        tracked.begin(child, id);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean streamed = false;
        int status = 0;
        List<Header> headers = List.of();
        try {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            upstreamRequest(e).send(listener);
            Response r = listener.get(spec.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
            status = r.getStatus();
            headers = storedHeaders(r);
            boolean sse = String.valueOf(r.getHeaders().get("Content-Type")).toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            try (InputStream in = new BufferedInputStream(listener.getInputStream(), 16 * 1024)) {
                if (sse && status < 300) {
                    tellPrimary(id, new Waiter.Head(status, headers));
                    byte[] event;
                    while ((event = nextEvent(in)) != null) {
                        received.write(event);
                        streamed |= tellPrimary(id, new Waiter.Chunk(event));
                    }
                } else {
                    in.transferTo(received);
                }
            }
        } catch (IOException | InterruptedException | ExecutionException | TimeoutException x) {
            if (x instanceof InterruptedException) Thread.currentThread().interrupt();
            Throwable cause = x instanceof ExecutionException && x.getCause() != null ? x.getCause() : x;
            String why = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            if (received.size() > 0) {
                cut(id, status, headers, received.toByteArray(), why, streamed);
            } else {
                lost(id, attempt, why);
            }
            return;
        }
        StoredResponse answer = new StoredResponse(status, headers, received.toByteArray());
        if (status >= 500) {
            lostAnswered(id, attempt, answer);
            return;
        }
        answerPrimary(id, answer);                                   // its client first; then the journal, for retries
        try {
            if (status >= 400) journal.fail(id, "the server answered " + status, Optional.of(answer)).join();
            else journal.complete(id, answer).join();
        } catch (CompletionException x) {
            LOG.error("proxy: request {}: the answer could not be stored: {}", id, x.getCause().getMessage());
        }
        finished(id, answer, true);
    }

    /**
     * Tells the client that sent the request that its answer is complete (the end of its stream, or the whole
     * answer), before the answer is committed: a retry with its key meanwhile waits as a secondary waiter, told by
     * {@link #finished} once the answer is stored.
     */
    private void answerPrimary(String id, StoredResponse answer) {
        lock.lock();
        try {
            List<Waiter> ws = waiters.get(id);
            if (ws == null) return;
            for (Waiter w : List.copyOf(ws)) {
                if (!w.primary) continue;
                w.tell(streamed(answer) ? new Waiter.End() : new Waiter.Whole(answer, false));
                ws.remove(w);
            }
        } finally {
            lock.unlock();
        }
    }

    private static boolean streamed(StoredResponse answer) {
        return answer.status() < 300 && answer.headers().stream().anyMatch(h -> h.name().equalsIgnoreCase("content-type")
                && h.value().toLowerCase(Locale.ROOT).startsWith("text/event-stream"));
    }

    /** Reads one server-sent event (up to and with its blank line); null at the end of the stream. */
    private static byte[] nextEvent(InputStream in) throws IOException {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        int previous = -1;
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\r') continue;
            event.write(b);
            if (b == '\n' && previous == '\n') return event.toByteArray();
            previous = b;
        }
        if (event.size() > 0) throw new IOException("the stream ended in the middle of an event");
        return null;
    }

    private org.eclipse.jetty.client.Request upstreamRequest(JournaledRequest e) {
        String type = e.request().headers().stream().filter(h -> h.name().equalsIgnoreCase("Content-Type")).map(Header::value)
                .findFirst().orElse(null);
        return http.newRequest(URI.create(base() + e.request().target())).method(e.request().method())
                .timeout(spec.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> {
                    for (Header header : e.request().headers()) {
                        String name = header.name().toLowerCase(Locale.ROOT);
                        if (!NOT_FORWARDED.contains(name) && !name.equals("content-type")) h.add(header.name(), header.value());
                    }
                })
                .body(new BytesRequestContent(type, e.request().body()));
    }

    private String base() {
        String s = spec.upstream().toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static List<Header> storedHeaders(Response r) {
        List<Header> out = new ArrayList<>();
        for (HttpField f : r.getHeaders()) {
            if (!NOT_STORED.contains(f.getName().toLowerCase(Locale.ROOT))) out.add(new Header(f.getName(), f.getValue()));
        }
        return out;
    }

    /** The attempt was cut before any answer came: the server died (or was not there). Sent again once it is ready. */
    private void lost(String id, int attempt, String why) {
        try {
            journal.requeue(id, "attempt " + attempt + " cut: " + why).join();
        } catch (CompletionException x) {
            finishFailed(id, "the journal could not requeue the request: " + x.getCause().getMessage());
            return;
        }
        lock.lock();
        try {
            inFlight.remove(id);
            cutSinceReady.add(id);
            holdAtMost(id);
            if (spec.upstreamChild().isPresent()) {
                up = false;                                   // the supervisor's events say when it is ready again
            } else if (up) {
                up = false;
                probeUntilReady();
            }
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** The server answered 5xx: sent again after a pause, up to the attempts; then the client gets that answer. */
    private void lostAnswered(String id, int attempt, StoredResponse answer) {
        tracked.end(child, id);
        String why = "the server answered " + answer.status();
        if (attempt >= spec.maxAttempts()) {
            lock.lock();
            try {
                deadLetter(id, "sent " + attempt + " times; " + why, false);
            } finally {
                lock.unlock();
            }
            finished(id, answer, false);                             // the client gets the server's last answer
            return;
        }
        journal.requeue(id, why).join();
        lock.lock();
        try {
            inFlight.remove(id);
            timer.schedule(() -> {
                lock.lock();
                try {
                    queue.addFirst(id);
                    pump();
                } finally {
                    lock.unlock();
                }
            }, 500, TimeUnit.MILLISECONDS);
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** The stream was cut after events were sent: a terminal error event, never a silent end or a fake [DONE]. */
    private void cut(String id, int status, List<Header> headers, byte[] partial, String why, boolean streamed) {
        String message = "the server died after " + partial.length + " bytes of the stream (" + why + ")";
        try {
            journal.fail(id, message, Optional.of(new StoredResponse(status, headers, partial))).join();
        } catch (CompletionException x) {
            LOG.error("proxy: request {}: the cut stream could not be stored: {}", id, x.getCause().getMessage());
        }
        lock.lock();
        try {
            inFlight.remove(id);
            crashedWhileListed.add(id);
            for (Waiter w : waiters.getOrDefault(id, List.of())) {
                if (w.primary && streamed) w.tell(new Waiter.Cut(message));
                else w.tell(new Waiter.Refused(502, message, 0));
            }
            waiters.remove(id);
            if (spec.upstreamChild().isPresent()) up = false;
            else if (up) {
                up = false;
                probeUntilReady();
            }
            pump();
        } finally {
            lock.unlock();
        }
    }

    private void finished(String id, StoredResponse answer, boolean clean) {
        tracked.end(child, id);
        lock.lock();
        try {
            inFlight.remove(id);
            if (clean) {
                suspects.remove(id);
                soloCrashes.remove(id);
                crashNotes.remove(id);
            }
            for (Waiter w : waiters.getOrDefault(id, List.of())) {
                w.tell(w.primary && streamed(answer) ? new Waiter.End() : new Waiter.Whole(answer, false));
            }
            waiters.remove(id);
            pump();
        } finally {
            lock.unlock();
        }
    }

    private void finishFailed(String id, String message) {
        tracked.end(child, id);
        LOG.error("proxy: request {}: {}", id, message);
        lock.lock();
        try {
            inFlight.remove(id);
            for (Waiter w : waiters.getOrDefault(id, List.of())) w.tell(new Waiter.Refused(503, message, spec.retryAfter().toSeconds()));
            waiters.remove(id);
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock; the waiting clients get 502 with the reason. */
    private void deadLetter(String id, String reason) {
        deadLetter(id, reason, true);
    }

    /** Under the lock. */
    private void deadLetter(String id, String reason, boolean tellWaiters) {
        LOG.warn("proxy: request {} dead-lettered: {}", id, reason);
        journal.deadLetter(id, reason).whenComplete((e, x) -> {
            if (x != null) LOG.error("proxy: request {} could not be dead-lettered: {}", id, x.getMessage());
        });
        if (tellWaiters) {
            for (Waiter w : waiters.getOrDefault(id, List.of())) w.tell(new Waiter.Refused(502, "dead-lettered: " + reason, 0));
            waiters.remove(id);
        }
        soloCrashes.remove(id);
        crashNotes.remove(id);
    }

    /** Gives a held request its deadline from now. */
    private void holdAtMost(String id) {
        if (!closed) timer.schedule(() -> holdDeadlinePassed(id), spec.holdDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void holdDeadlinePassed(String id) {
        lock.lock();
        try {
            if (up || closed || !(queue.remove(id) || cutSinceReady.remove(id))) return;   // sent, being sent, or the server is ready
            String message = "held " + spec.holdDeadline().toSeconds() + " s while the server was not ready; not sent";
            journal.fail(id, message, Optional.empty());
            for (Waiter w : waiters.getOrDefault(id, List.of())) w.tell(new Waiter.Refused(503, message, spec.retryAfter().toSeconds()));
            waiters.remove(id);
        } finally {
            lock.unlock();
        }
    }

    private boolean tellPrimary(String id, Waiter.Signal s) {
        lock.lock();
        try {
            for (Waiter w : waiters.getOrDefault(id, List.of())) {
                if (w.primary && !w.isGone()) {
                    w.tell(s);
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Not supervised: GET {@code upstream/health} every 250 ms until it answers 2xx. Under the lock. */
    private void probeUntilReady() {
        if (probing || closed) return;
        probing = true;
        timer.schedule(this::probe, 250, TimeUnit.MILLISECONDS);
    }

    private void probe() {
        try {
            if (http.newRequest(URI.create(base() + "/health")).timeout(2, TimeUnit.SECONDS).send().getStatus() / 100 == 2) {
                upstreamReady();
                return;
            }
        } catch (ExecutionException | TimeoutException e) {
            // not there yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        lock.lock();
        try {
            if (!closed) timer.schedule(this::probe, 250, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        timer.shutdownNow();
        try {
            http.stop();
        } catch (Exception e) {
            LOG.debug("proxy: stopping the upstream client: {}", e.toString());
        }
    }
}

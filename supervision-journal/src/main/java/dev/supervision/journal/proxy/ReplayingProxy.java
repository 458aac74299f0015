package dev.supervision.journal.proxy;

import dev.supervision.SupervisorEvent;
import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalCounts;
import dev.supervision.journal.JournaledRequest;
import dev.supervision.journal.NewRequest;
import dev.supervision.journal.StoredResponse;
import dev.supervision.journal.internal.proxy.ClientHandler;
import dev.supervision.journal.internal.proxy.Dispatcher;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.crash.InFlightRequests;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A replaying HTTP proxy in front of an OpenAI-compatible server: every request (every method but {@code GET} and
 * {@code HEAD}) is committed to the {@link Journal} before it is acknowledged and sent, held while the server is not
 * ready, replayed once it is ready again after a crash, answered from the journal when a client retries with the same
 * {@code Idempotency-Key}, and dead-lettered when it crashes the server on its own. Answers carry the request's
 * journal id in {@code Supervision-Request-Id}.
 *
 * <p>How it learns the server's state: with {@link ProxySpec#upstreamChild()} set, from the events of the supervision
 * tree the server runs in — create the proxy first and add {@link #listener()} to that tree's {@code SupervisorSpec},
 * so that it sees the server's first readiness; without it, it sends at once and, after a failed attempt, probes
 * {@code GET upstream/health} every 250 ms.
 *
 * <p>On start, the requests its journal still holds unfinished (a previous proxy killed with {@code kill -9}) are
 * sent again, in order. Threading: Jetty 12 on virtual threads; thread-safe.
 */
public final class ReplayingProxy implements AutoCloseable {
    private final Journal journal;
    private final ProxySpec spec;
    private final Dispatcher dispatcher;
    private final Server server;
    private final ServerConnector connector;

    private ReplayingProxy(Journal journal, ProxySpec spec, Dispatcher dispatcher, Server server, ServerConnector connector) {
        this.journal = journal;
        this.spec = spec;
        this.dispatcher = dispatcher;
        this.server = server;
        this.connector = connector;
    }

    /**
     * Starts listening and replays what the journal holds unfinished.
     *
     * @throws IllegalStateException naming the address if it cannot listen there (a port in use)
     */
    public static ReplayingProxy start(Journal journal, ProxySpec spec) {
        Dispatcher dispatcher = new Dispatcher(journal, spec);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("supervision-proxy");
        threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("supervision-proxy-client"));
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(spec.listenHost());
        connector.setPort(spec.listenPort());
        connector.setIdleTimeout(spec.attemptTimeout().toMillis());
        server.addConnector(connector);
        server.setHandler(new ClientHandler(journal, dispatcher, spec));
        try {
            server.start();
        } catch (Exception e) {
            dispatcher.close();
            try {
                server.stop();
            } catch (Exception ignored) {
                // it did not start
            }
            throw new IllegalStateException("proxy: cannot listen on " + spec.listenHost() + ":" + spec.listenPort() + ": " + e.getMessage(), e);
        }
        ReplayingProxy proxy = new ReplayingProxy(journal, spec, dispatcher, server, connector);
        dispatcher.replayUnfinished();
        return proxy;
    }

    /**
     * The listener to add to the supervision tree that runs the server: the server child's readiness lets requests
     * through, its crash or exit holds them, and the crash report decides what a crash means for the requests it cut.
     */
    public Consumer<SupervisorEvent> listener() {
        String child = spec.upstreamChild().orElse(null);
        return event -> {
            if (child == null) return;
            switch (event) {
                case SupervisorEvent.ChildNoticed n when n.child().equals(child) && n.notice() instanceof ProcessEvent.Ready ->
                        dispatcher.upstreamReady();
                case SupervisorEvent.ChildNoticed n when n.child().equals(child) && n.notice() instanceof ProcessEvent.Crashed c ->
                        dispatcher.upstreamDown(Optional.of(c.report()));
                case SupervisorEvent.ChildExited x when x.child().equals(child) -> dispatcher.upstreamDown(Optional.empty());
                default -> { }
            }
        };
    }

    /**
     * The requests being sent to the server: give it to the server's {@code ProcessSpec.Builder.inFlightRequests},
     * and its crash reports list the journal ids of the requests the crash cut.
     */
    public InFlightRequests inFlightRequests() {
        return dispatcher.inFlightRequests();
    }

    /**
     * Sends a request from Java, through the same journal and the same replay as the HTTP clients' (no HTTP hop to
     * the proxy): committed before it is sent, held while the server is not ready, replayed after a crash. A request
     * whose idempotency key is already journaled gets the stored answer (or waits for the one still running). A
     * streamed answer is returned whole, once complete. Safe to call from any thread; it does not block.
     *
     * @return completes with the answer (a 4xx or 5xx answer included), or exceptionally with
     *         {@link ProxyRefusal} naming the status and the reason when the proxy refused it (held past the hold
     *         deadline, dead-lettered, a key reused for another payload, the journal failing)
     */
    public CompletableFuture<StoredResponse> send(NewRequest request) {
        return dispatcher.call(request);
    }

    /** Its journal's dead letters, oldest first, each with its reason ({@link JournaledRequest#lastError()}). */
    public List<JournaledRequest> deadLetters() {
        return journal.deadLetters();
    }

    /**
     * Replays a dead letter or a failed request, as an operator does once the cause is fixed: it is made pending again
     * with its attempts cleared and sent after the requests already waiting; a client retrying with its idempotency key
     * then gets the new answer. Blocks until the journal committed the change.
     *
     * @return the request, pending again
     * @throws IllegalArgumentException naming the id if the journal has no such request, or it is not dead-lettered or
     *                                  failed
     * @throws java.util.concurrent.CompletionException wrapping a {@link dev.supervision.journal.JournalException} if
     *                                  the journal could not commit the change (the request is left as it was)
     */
    public JournaledRequest replay(String id) {
        return dispatcher.replay(id);
    }

    /** The port it listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** Its base URI, e.g. {@code http://127.0.0.1:41234}. */
    public URI uri() {
        return URI.create("http://" + spec.listenHost() + ":" + port());
    }

    /** How many requests the journal holds in each state. */
    public JournalCounts counts() {
        return journal.counts();
    }

    /** Stops listening and sending; what is unfinished stays in the journal for the next start. The journal stays open. */
    @Override
    public void close() {
        dispatcher.close();
        try {
            server.stop();
        } catch (Exception e) {
            // stopping: nothing more to do
        }
    }
}

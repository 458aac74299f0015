package dev.supervision;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Workers driven by the test: each blocks until told to crash or return, and logs start/stop. A child is
 * known by its context id: its id, or its unique name in a dynamic supervisor ({@code w#1}).
 */
final class TestChildren {
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, LinkedBlockingQueue<String>> inbox = new ConcurrentHashMap<>();
    private final Map<String, Integer> starts = new ConcurrentHashMap<>();

    /** Logs "start:id" when the supervisor starts it (on its loop, so in start order). */
    ChildSpec.Builder worker(String id) {
        var starter = thread(id).build().starter();
        return ChildSpec.builder(id, ctx -> {
            log.add("start:" + ctx.id());
            return starter.start(ctx);
        }, ChildType.WORKER);
    }

    private ChildSpec.Builder thread(String id) {
        return ChildSpec.worker(id, ctx -> {
            String name = ctx.id();
            LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
            inbox.put(name, q);
            starts.merge(name, 1, Integer::sum);
            try {
                String cmd = q.take();
                if (cmd.equals("crash")) throw new IllegalStateException("boom " + name);
            } finally {
                log.add("stop:" + name);
            }
        });
    }

    /** Tells the running incarnation of {@code name} to crash (waiting for its thread to be listening). */
    void crash(String name) { inbox(name).add("crash"); }

    /** Tells the running incarnation of {@code name} to return. */
    void finish(String name) { inbox(name).add("return"); }

    private LinkedBlockingQueue<String> inbox(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> inbox.containsKey(name));
        return inbox.get(name);
    }

    int starts(String id) { return starts.getOrDefault(id, 0); }

    void clearLog() { log.clear(); }

    /** The child named {@code name} (its id in a static supervisor). */
    static ChildInfo info(Supervisor s, String name) {
        return s.whichChildren().join().stream().filter(c -> c.ref().name().equals(name)).findFirst().orElseThrow();
    }

    /** Waits until the child runs an incarnation started {@code n} times in total. */
    void awaitStarts(Supervisor s, String id, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> starts(id) >= n && info(s, id).state() == ChildState.RUNNING);
    }
}

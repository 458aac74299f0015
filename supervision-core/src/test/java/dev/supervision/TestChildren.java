package dev.supervision;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/** Workers driven by the test: each blocks until told to crash or return, and logs start/stop. */
final class TestChildren {
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<SupervisorEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, LinkedBlockingQueue<String>> inbox = new ConcurrentHashMap<>();
    private final Map<String, Integer> starts = new ConcurrentHashMap<>();

    /** Logs "start:id" when the supervisor starts it (on its loop, so in start order). */
    ChildSpec.Builder worker(String id) {
        var starter = thread(id).build().starter();
        return ChildSpec.builder(id, ctx -> {
            log.add("start:" + id);
            return starter.start(ctx);
        }, ChildType.WORKER);
    }

    private ChildSpec.Builder thread(String id) {
        return ChildSpec.worker(id, ctx -> {
            LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
            inbox.put(id, q);
            starts.merge(id, 1, Integer::sum);
            try {
                String cmd = q.take();
                if (cmd.equals("crash")) throw new IllegalStateException("boom " + id);
            } finally {
                log.add("stop:" + id);
            }
        });
    }

    void crash(String id) { inbox.get(id).add("crash"); }

    void finish(String id) { inbox.get(id).add("return"); }

    int starts(String id) { return starts.getOrDefault(id, 0); }

    void clearLog() { log.clear(); }

    static ChildInfo info(Supervisor s, String id) {
        return s.whichChildren().join().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    /** Waits until the child runs an incarnation started {@code n} times in total. */
    void awaitStarts(Supervisor s, String id, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> starts(id) >= n && info(s, id).state() == ChildState.RUNNING);
    }
}

package dev.supervision.process.crash;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests each child is serving right now, so that a crash report can say "the crash happened while
 * request X was in flight" ({@link CrashReport#inFlightRequests()}). A request journal (or any caller
 * that sends work to a child) calls {@link #begin} before handing a request over and {@link #end} when
 * its answer is complete; the process child takes a {@link #snapshot} when it builds the crash report.
 *
 * <p>Threading: every method is safe to call concurrently from any thread and never blocks for long
 * (one short {@link ReentrantLock} per child). Ids are kept in the order they began. Nothing is
 * persisted: after a crash of the supervising JVM, the journal that comes later owns that knowledge.
 */
public final class InFlightRequests {
    private record Requests(ReentrantLock lock, Set<String> ids) {}

    private final Map<String, Requests> byChild = new ConcurrentHashMap<>();

    /**
     * Marks a request as in flight at a child; a second {@code begin} of the same id is a no-op.
     *
     * @throws NullPointerException naming the argument if one is null
     */
    public void begin(String child, String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        Requests r = byChild.computeIfAbsent(Objects.requireNonNull(child, "child"),
                c -> new Requests(new ReentrantLock(), new LinkedHashSet<>()));
        r.lock().lock();
        try {
            r.ids().add(requestId);
        } finally {
            r.lock().unlock();
        }
    }

    /** Marks a request as finished (answered, failed or abandoned); a no-op for an id not in flight. */
    public void end(String child, String requestId) {
        Requests r = byChild.get(child);
        if (r == null) {
            return;
        }
        r.lock().lock();
        try {
            r.ids().remove(requestId);
        } finally {
            r.lock().unlock();
        }
    }

    /** The requests in flight at a child now, in the order they began; empty for an unknown child. */
    public List<String> snapshot(String child) {
        Requests r = byChild.get(child);
        if (r == null) {
            return List.of();
        }
        r.lock().lock();
        try {
            return List.copyOf(r.ids());
        } finally {
            r.lock().unlock();
        }
    }
}

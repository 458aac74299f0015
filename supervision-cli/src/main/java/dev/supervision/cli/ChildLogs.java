package dev.supervision.cli;

import dev.supervision.process.output.LineListener;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last lines each process child wrote (both streams, in the order they were read), for {@code supervise logs}:
 * each child's output spec gets {@link #listener}, whatever its sinks are. Thread-safe.
 */
final class ChildLogs {
    /** Lines kept per child. */
    static final int LINES = 1_000;

    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();

    /** The listener that keeps the lines of the child at {@code path} ({@code id}, or {@code nested/id}). */
    LineListener listener(String path) {
        Feed feed = feeds.computeIfAbsent(path, p -> new Feed(LINES));
        return (stream, line) -> feed.add(line.toString());
    }

    /** The lines of the child at {@code path}; empty for a path that is not a process child. */
    Optional<Feed> of(String path) {
        return Optional.ofNullable(feeds.get(path));
    }
}

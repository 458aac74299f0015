package dev.supervision.journal.internal.proxy;

import dev.supervision.journal.Header;
import dev.supervision.journal.StoredResponse;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client connection waiting for its request's answer: the dispatcher puts what happens into it, the connection's
 * own thread takes it out and writes it. A primary waiter (the connection that sent the request) is streamed to; a
 * secondary one (a retry with the same key while the first runs) gets the whole stored answer at the end.
 * Thread-safe.
 */
final class Waiter {
    /** What the connection is told. */
    sealed interface Signal {}

    /** The response's status and headers; chunks follow. */
    record Head(int status, List<Header> headers) implements Signal {}

    /** Bytes of the body, written and flushed as they come (a stream's events). */
    record Chunk(byte[] bytes) implements Signal {}

    /** The body is complete. */
    record End() implements Signal {}

    /** The whole answer at once. */
    record Whole(StoredResponse response, boolean replayed) implements Signal {}

    /** An answer of the proxy's own, before anything else was written: a status, a JSON error message. */
    record Refused(int status, String message, long retryAfterSeconds) implements Signal {}

    /** The stream was cut after events were written: one terminal error event, then the end. */
    record Cut(String message) implements Signal {}

    final boolean primary;
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private volatile boolean gone;

    Waiter(boolean primary) {
        this.primary = primary;
    }

    void tell(Signal s) {
        if (!gone) signals.add(s);
    }

    /** The next signal, waiting at most {@code millis}; null if none came. */
    Signal next(long millis) throws InterruptedException {
        return signals.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** The connection went away: nothing more is queued for it. */
    void gone() {
        gone = true;
        signals.clear();
    }

    boolean isGone() {
        return gone;
    }
}

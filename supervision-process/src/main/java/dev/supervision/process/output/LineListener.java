package dev.supervision.process.output;

/**
 * Sees every line of a child's output, in order per stream (log-line readiness probes, the crash
 * classifier, user code).
 *
 * <p><b>Threading.</b> Called on the stream's reader thread ({@code supervision-out-<child>-stdout} or
 * {@code -stderr}): lines of one stream arrive in order, one at a time; lines of the two streams arrive
 * concurrently on two threads, so a listener registered for both must be thread-safe. A listener runs
 * inside the drain loop: while it runs, that stream is not read, so it must be quick and must never
 * block (hand slow work to another thread).
 *
 * <p><b>The line.</b> {@code line} is the line without its terminator ({@code \n} or {@code \r\n}),
 * decoded as UTF-8. It is a reused view over the read buffer, valid only during the call: use it at
 * once (e.g. {@code pattern.matcher(line).find()}) or keep {@code line.toString()}. Lines of pure ASCII
 * are not copied at all unless {@code toString()} is called, which keeps regex scanning of every line
 * cheap.
 *
 * <p><b>Failures.</b> An exception or error thrown by the listener (a {@code StackOverflowError} from a regex
 * on a long line, say) is logged, the first on each stream with its stack trace and later ones at debug level, and the line
 * goes on to the other listeners and sinks; the listener is called for the next line. Draining never stops
 * because of a listener.
 */
@FunctionalInterface
public interface LineListener {
    /**
     * Receives one line.
     *
     * @param stream the stream the line came from
     * @param line   the line, valid only during this call
     */
    void onLine(StdStream stream, CharSequence line);
}

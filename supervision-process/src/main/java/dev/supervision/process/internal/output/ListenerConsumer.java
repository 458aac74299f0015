package dev.supervision.process.internal.output;

import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.StdStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the listeners for each line with a reused view. A listener that throws (an {@code Error} too, such
 * as a regex's {@code StackOverflowError} on a long line) skips that line and is called for the next; its
 * first failure is logged with the stack trace, later ones at debug level, so that a listener failing on
 * every line does not slow the reader with a stack trace per line.
 */
final class ListenerConsumer implements LineConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
    private final LineListener[] listeners;
    private final boolean[] failedBefore;
    private final Utf8Line view = new Utf8Line();

    ListenerConsumer(List<LineListener> listeners) {
        this.listeners = listeners.toArray(LineListener[]::new);
        this.failedBefore = new boolean[this.listeners.length];
    }

    @Override
    public void accept(StdStream stream, LineBatch lines) {
        int count = lines.count();
        view.batch(lines.buf, lines.ascii);
        if (listeners.length == 1) {                 // the usual case: no inner loop per line
            LineListener l = listeners[0];
            for (int i = 0; i < count; i++) {
                view.line(lines.start(i), lines.length(i));
                try {
                    l.onLine(stream, view);
                } catch (RuntimeException | Error e) {
                    failed(0, stream, e);
                }
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            view.line(lines.start(i), lines.length(i));
            for (int j = 0; j < listeners.length; j++) {
                try {
                    listeners[j].onLine(stream, view);
                } catch (RuntimeException | Error e) {
                    failed(j, stream, e);
                }
            }
        }
    }

    private void failed(int listener, StdStream stream, Throwable e) {
        if (failedBefore[listener]) {
            LOG.debug("output listener {} failed again on a {} line: {}", listeners[listener], stream, e.toString());
            return;
        }
        failedBefore[listener] = true;
        LOG.warn("output listener {} failed on a {} line and is called on for the next lines; later failures are logged at debug level",
                listeners[listener], stream, e);
    }
}

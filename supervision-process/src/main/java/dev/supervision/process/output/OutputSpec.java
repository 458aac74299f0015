package dev.supervision.process.output;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a child's stdout and stderr are handled. Both streams are always drained, each on its own reader
 * thread, whatever the sinks: a full pipe never blocks the child.
 *
 * <p>Each stream is split into lines at {@code \n}; a {@code \r} before it is dropped; a last line
 * without a terminator is delivered at end of stream. A line longer than {@link #maxLineLength()} bytes
 * is <b>split</b> (never truncated: nothing the child wrote is lost) into pieces of at most that many
 * bytes, cut before a UTF-8 sequence, each delivered as a line of its own. Every line goes to the
 * stream's sinks, to the {@link #listeners()}, and to a tail of the last {@link #tailLines()} lines of
 * both streams kept for crash reports.
 *
 * <p>Defaults: sinks {@link OutputSink#logger()} for both streams, maximum line length 8 KiB, tail
 * 200 lines, no listeners. Build with {@link #builder()}; {@link Builder#build()} validates and throws
 * {@link IllegalArgumentException} naming the field, the value and what was expected. A built spec is
 * immutable.
 *
 * @param stdoutSinks   where stdout lines go, not empty, no duplicates
 * @param stderrSinks   where stderr lines go, not empty, no duplicates
 * @param maxLineLength the longest line in bytes before it is split
 * @param tailLines     how many last lines are kept for crash reports (0 keeps none)
 * @param listeners     called with every line of both streams
 */
public record OutputSpec(List<OutputSink> stdoutSinks, List<OutputSink> stderrSinks, int maxLineLength,
                         int tailLines, List<LineListener> listeners) {

    /** Default maximum line length: 8 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 8 * 1024;
    /** Smallest accepted maximum line length. */
    public static final int MIN_LINE_LENGTH = 64;
    /** Largest accepted maximum line length: 1 MiB. */
    public static final int MAX_LINE_LENGTH = 1024 * 1024;
    /** Default number of tail lines. */
    public static final int DEFAULT_TAIL_LINES = 200;
    /** Largest accepted number of tail lines. */
    public static final int MAX_TAIL_LINES = 100_000;

    public OutputSpec {
        stdoutSinks = List.copyOf(stdoutSinks);
        stderrSinks = List.copyOf(stderrSinks);
        listeners = List.copyOf(listeners);
    }

    /** The defaults (see the class documentation). */
    public static OutputSpec defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this spec's values, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.stdoutSinks = new ArrayList<>(stdoutSinks);
        b.stderrSinks = new ArrayList<>(stderrSinks);
        b.maxLineLength = maxLineLength;
        b.tailLines = tailLines;
        b.listeners.addAll(listeners);
        return b;
    }

    /** The sinks of one stream. */
    public List<OutputSink> sinks(StdStream stream) {
        return stream == StdStream.STDOUT ? stdoutSinks : stderrSinks;
    }

    /** Not thread-safe; {@link #build()} copies, so a built spec never changes. */
    public static final class Builder {
        private List<OutputSink> stdoutSinks = List.of(OutputSink.logger());
        private List<OutputSink> stderrSinks = List.of(OutputSink.logger());
        private int maxLineLength = DEFAULT_MAX_LINE_LENGTH;
        private int tailLines = DEFAULT_TAIL_LINES;
        private final List<LineListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Sends both streams to these sinks (replacing earlier ones). */
        public Builder sinks(OutputSink... sinks) {
            return stdoutSinks(sinks).stderrSinks(sinks);
        }

        /** Sends stdout to these sinks (replacing earlier ones). */
        public Builder stdoutSinks(OutputSink... sinks) {
            this.stdoutSinks = sinks == null ? null : new ArrayList<>(Arrays.asList(sinks));
            return this;
        }

        /** Sends stderr to these sinks (replacing earlier ones). */
        public Builder stderrSinks(OutputSink... sinks) {
            this.stderrSinks = sinks == null ? null : new ArrayList<>(Arrays.asList(sinks));
            return this;
        }

        /** Lines longer than this many bytes are split; {@value #MIN_LINE_LENGTH} .. 1 MiB, default 8 KiB. */
        public Builder maxLineLength(int bytes) {
            this.maxLineLength = bytes;
            return this;
        }

        /** How many last lines the tail keeps; 0 .. 100,000, default 200. */
        public Builder tailLines(int lines) {
            this.tailLines = lines;
            return this;
        }

        /** Adds a listener that sees every line of both streams. */
        public Builder listener(LineListener listener) {
            listeners.add(listener);
            return this;
        }

        /** Validates and builds. */
        public OutputSpec build() {
            checkSinks("stdoutSinks", stdoutSinks);
            checkSinks("stderrSinks", stderrSinks);
            if (maxLineLength < MIN_LINE_LENGTH || maxLineLength > MAX_LINE_LENGTH) {
                throw new IllegalArgumentException("maxLineLength must be in " + MIN_LINE_LENGTH + ".." + MAX_LINE_LENGTH
                        + " bytes, was " + maxLineLength);
            }
            if (tailLines < 0 || tailLines > MAX_TAIL_LINES) {
                throw new IllegalArgumentException("tailLines must be in 0.." + MAX_TAIL_LINES + ", was " + tailLines);
            }
            for (int i = 0; i < listeners.size(); i++) {
                if (listeners.get(i) == null) {
                    throw new IllegalArgumentException("listeners[" + i + "] must be a listener, was null");
                }
            }
            Map<Path, OutputSink.RotatingFile> files = new HashMap<>();
            for (OutputSink sink : concat(stdoutSinks, stderrSinks)) {
                if (sink instanceof OutputSink.RotatingFile f) {
                    if (f.maxBytes() <= maxLineLength + 1L) {
                        throw new IllegalArgumentException("RotatingFile.maxBytes must be more than maxLineLength + 1 ("
                                + (maxLineLength + 1L) + "), was " + f.maxBytes() + " for " + f.file());
                    }
                    OutputSink.RotatingFile other = files.putIfAbsent(f.file().toAbsolutePath().normalize(), f);
                    if (other != null && !other.equals(f)) {
                        throw new IllegalArgumentException("RotatingFile " + f.file()
                                + " must have the same maxBytes and keep for both streams, was " + other + " and " + f);
                    }
                }
            }
            return new OutputSpec(stdoutSinks, stderrSinks, maxLineLength, tailLines, listeners);
        }

        private static void checkSinks(String field, List<OutputSink> sinks) {
            if (sinks == null || sinks.isEmpty()) {
                throw new IllegalArgumentException(field + " must name at least one sink (OutputSink.discard() to drop"
                        + " the lines), was " + (sinks == null ? "null" : "empty"));
            }
            for (int i = 0; i < sinks.size(); i++) {
                if (sinks.get(i) == null) throw new IllegalArgumentException(field + "[" + i + "] must be a sink, was null");
                if (sinks.indexOf(sinks.get(i)) != i) {
                    throw new IllegalArgumentException(field + " must not repeat a sink, was " + sinks);
                }
            }
        }

        private static List<OutputSink> concat(List<OutputSink> a, List<OutputSink> b) {
            List<OutputSink> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }
}

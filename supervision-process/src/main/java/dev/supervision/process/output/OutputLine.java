package dev.supervision.process.output;

import java.util.Objects;

/**
 * One line a child wrote, as kept in the output tail for crash reports.
 *
 * @param stream the stream the line came from
 * @param text   the line decoded as UTF-8 (malformed bytes become U+FFFD), without its line terminator
 */
public record OutputLine(StdStream stream, String text) {
    public OutputLine {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String toString() {
        return stream + ": " + text;
    }
}

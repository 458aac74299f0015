package dev.supervision.process.internal.output;

import dev.supervision.process.output.StdStream;

/** Takes the lines of each read, on the stream's reader thread. */
public interface LineConsumer {
    void accept(StdStream stream, LineBatch lines);
}

package dev.supervision.process.internal;

import dev.supervision.process.StdStream;

/** Takes the lines of each read, on the stream's reader thread. */
interface LineConsumer {
    void accept(StdStream stream, LineBatch lines);
}

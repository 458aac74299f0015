package dev.supervision.process.internal;

import dev.supervision.process.Stream;

/** Takes the lines of each read, on the stream's reader thread. */
interface LineConsumer {
    void accept(Stream stream, LineBatch lines);
}

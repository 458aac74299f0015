package dev.supervision.process.internal.launch;

/**
 * A child's output stream whose reads park the calling thread instead of blocking it in the kernel: a
 * virtual thread reading it unmounts while the pipe is empty, so draining it needs no platform thread of
 * its own. A busy stream can be {@linkplain #dedicate() dedicated} to a platform thread instead.
 */
public interface PollableStream {
    /**
     * From now on this stream is read by one platform thread, which waits for data in the kernel
     * ({@code poll}) rather than through the shared poller: one wake-up per arrival instead of three
     * (poller, hand-off, carrier), which matters for a stream that is drained as fast as it is written.
     * Call from the reading thread, between reads.
     *
     * @return how many bytes a read should ask for from now on: the pipe's capacity, raised where the
     *     kernel allows so that the writer and the reader take turns less often
     */
    int dedicate();
}

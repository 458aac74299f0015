package dev.supervision.process.internal;

import dev.supervision.process.OutputLine;
import dev.supervision.process.Stream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last N lines of both streams, for crash reports. Thread-safe. Lines are kept as bytes in a ring
 * whose slots are reused, so keeping the tail allocates nothing in steady state; they are decoded only by
 * {@link #snapshot()}; a slot is replaced when it is over four times the line it holds, so one long line
 * does not pin memory. Of each read only the lines that can survive (the last N) are copied.
 */
public final class OutputTail implements LineConsumer {
    private final ReentrantLock lock = new ReentrantLock();
    private final byte[][] data;
    private final int[] lengths;
    private final Stream[] streams;
    private int next;
    private int size;

    /** A tail of the last {@code capacity} lines; 0 keeps none. */
    public OutputTail(int capacity) {
        data = new byte[capacity][];
        lengths = new int[capacity];
        streams = new Stream[capacity];
    }

    @Override
    public void accept(Stream stream, LineBatch lines) {
        int capacity = data.length;
        if (capacity == 0) return;
        lock.lock();
        try {
            for (int i = Math.max(0, lines.count() - capacity); i < lines.count(); i++) {
                int len = lines.length(i);
                byte[] slot = data[next];
                if (slot == null || slot.length < len || slot.length > 4 * Math.max(len, 128)) {
                    slot = new byte[Math.max(len, 128)];
                    data[next] = slot;
                }
                System.arraycopy(lines.buf, lines.start(i), slot, 0, len);
                lengths[next] = len;
                streams[next] = stream;
                next = next + 1 == capacity ? 0 : next + 1;
                size = Math.min(size + 1, capacity);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The kept lines, oldest first, decoded as UTF-8. */
    public List<OutputLine> snapshot() {
        lock.lock();
        try {
            List<OutputLine> lines = new ArrayList<>(size);
            int capacity = data.length;
            for (int k = 0, i = Math.floorMod(next - size, Math.max(capacity, 1)); k < size; k++) {
                lines.add(new OutputLine(streams[i], new String(data[i], 0, lengths[i], StandardCharsets.UTF_8)));
                i = i + 1 == capacity ? 0 : i + 1;
            }
            return lines;
        } finally {
            lock.unlock();
        }
    }
}

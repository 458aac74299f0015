package dev.supervision.process.internal.output;

import dev.supervision.process.output.OutputLine;
import dev.supervision.process.output.StdStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last N lines of both streams, for crash reports. Thread-safe. Of each read only the lines that can
 * survive (the last N) are kept, as one segment: their bytes in one array copy, their offsets and lengths
 * in two small int arrays. So keeping the tail of a busy stream costs one copy of at most N lines per read,
 * and nothing per line beyond two ints; lines are decoded only by {@link #snapshot()}. Segments whose
 * lines have all been pushed out are reused (a busy stream alternates between two and allocates nothing),
 * but only for lines needing at least a quarter of one, so a burst of long lines does not pin memory.
 */
public final class OutputTail implements LineConsumer {
    /** At most this many unused segments are kept for reuse. */
    private static final int SPARE_SEGMENTS = 2;
    private static final int MIN_BYTES = 64;

    private final ReentrantLock lock = new ReentrantLock();
    private final int capacity;
    /** Oldest first; together they hold {@link #size} lines, at most {@link #capacity}. */
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private final ArrayDeque<Segment> spare = new ArrayDeque<>(SPARE_SEGMENTS);
    private int size;

    /** Lines of one read: {@code count} of them, the first {@code skip} already pushed out of the tail. */
    private static final class Segment {
        final byte[] data;
        int[] offsets;
        int[] lengths;
        StdStream stream;
        int count;
        int skip;

        Segment(int bytes, int lines) {
            data = new byte[bytes];
            offsets = new int[lines];
            lengths = new int[lines];
        }
    }

    /** A tail of the last {@code capacity} lines; 0 keeps none. */
    public OutputTail(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public void accept(StdStream stream, LineBatch lines) {
        int count = lines.count();
        if (capacity == 0 || count == 0) return;
        int first = Math.max(0, count - capacity);
        int kept = count - first;
        int from = lines.start(first);
        int to = lines.start(count - 1) + lines.length(count - 1);
        lock.lock();
        try {
            Segment s = segment(to - from, kept);
            System.arraycopy(lines.buf, from, s.data, 0, to - from);
            int[] offsets = s.offsets;
            int[] lengths = s.lengths;
            for (int i = 0; i < kept; i++) {
                offsets[i] = lines.start(first + i) - from;
                lengths[i] = lines.length(first + i);
            }
            s.stream = stream;
            s.count = kept;
            s.skip = 0;
            segments.addLast(s);
            size += kept;
            while (size > capacity) {
                Segment oldest = segments.peekFirst();
                int excess = size - capacity;
                int left = oldest.count - oldest.skip;
                if (left > excess) {
                    oldest.skip += excess;
                    size -= excess;
                } else {
                    segments.pollFirst();
                    size -= left;
                    if (spare.size() < SPARE_SEGMENTS) spare.add(oldest);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A spare segment that fits without being over four times too large, or a new one. */
    private Segment segment(int bytes, int lines) {
        for (int i = spare.size(); i > 0; i--) {
            Segment s = spare.poll();
            int cap = s.data.length;
            if (cap >= bytes && cap <= 4 * Math.max(bytes, MIN_BYTES)) {
                if (s.offsets.length < lines) {
                    s.offsets = new int[lines];
                    s.lengths = new int[lines];
                }
                return s;
            }
            spare.add(s);
        }
        return new Segment(Math.max(bytes, MIN_BYTES), lines);
    }

    /** The kept lines, oldest first, decoded as UTF-8. */
    public List<OutputLine> snapshot() {
        lock.lock();
        try {
            List<OutputLine> out = new ArrayList<>(size);
            for (Segment s : segments) {
                for (int i = s.skip; i < s.count; i++) {
                    out.add(new OutputLine(s.stream, new String(s.data, s.offsets[i], s.lengths[i], StandardCharsets.UTF_8)));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }
}

package dev.supervision.process.internal.output;

import java.util.Arrays;

/**
 * The lines found in one read: offsets into the reader's buffer, valid until the reader reads again.
 * Handing whole batches to the consumers lets each take its lock once per read, not once per line.
 */
public final class LineBatch {
    public byte[] buf;
    /** True when every line is pure ASCII; false when unknown. */
    public boolean ascii;
    /*
     * Line i is [starts[i], ends[i]) for i < count. The reader's splitter fills these directly (in locals,
     * stored back before anything else looks), calling add() only when they are full.
     */
    public int[] starts = new int[1024];
    public int[] ends = new int[1024];
    public int count;

    public void reset(byte[] buffer) {
        this.buf = buffer;
        this.ascii = false;
        this.count = 0;
    }

    public void add(int start, int end) {
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
            ends = Arrays.copyOf(ends, count * 2);
        }
        starts[count] = start;
        ends[count] = end;
        count++;
    }

    int count() {
        return count;
    }

    int start(int i) {
        return starts[i];
    }

    int length(int i) {
        return ends[i] - starts[i];
    }
}

package dev.supervision.process.internal.output;

import dev.supervision.process.internal.launch.PollableStream;
import dev.supervision.process.output.StdStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one stream of a child to its end: reads straight into a line buffer that grows once for a busy stream,
 * finds the line ends thirty-two bytes at a time, and hands each read's lines to the stream's consumers (sinks,
 * the tail, the listeners) at once. A consumer that fails is dropped and draining goes on: the pipe is never
 * closed under the child. One per stream, run by one thread at a time (see {@link #run}).
 */
final class StreamReader implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
    private static final long STACK_SIZE = 256 * 1024;
    private static final int READ_SIZE = 64 * 1024;
    private static final int INITIAL_BUFFER = 8 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0a0a0a0a0a0a0a0aL;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;
    /** Moves bit 8k to bit 56 + k (k = 0..7) without carries: the byte-mask gather. */
    private static final long GATHER = 0x0102040810204080L;
    /** A stream moving at least this many bytes within {@link #BUSY_WINDOW_NANOS} is busy. */
    private static final long BUSY_BYTES = 8L << 20;
    private static final long BUSY_WINDOW_NANOS = 1_000_000_000L;
    /**
     * After a read that got less than half of what it asked for, a dedicated stream with a raised pipe
     * (1 MiB) waits this long before reading again, so that the writer's small writes arrive as one
     * large read: one wake-up per 0.2 ms at most instead of one per write (on the build machine, 77 -> 83 %
     * of {@code cat} for a writer that competes with the reader for the cores). A line waits at most
     * this much longer, and only on a stream moving megabytes a second.
     */
    private static final long COALESCE_NANOS = 200_000;
    private final StdStream stream;
    private final InputStream in;
    private final LineConsumer[] consumers;
    private final int maxLine;
    /** How much one read asks for: {@link #READ_SIZE}, or the pipe's raised capacity once dedicated. */
    private int readSize = READ_SIZE;
    /** Whether a short read is followed by a {@link #COALESCE_NANOS} pause: a dedicated stream with a raised pipe. */
    private boolean coalesce;
    private final LineBatch batch = new LineBatch();
    private boolean pendingAscii = true;
    /** Small until the stream proves busy, so that idle children cost little memory. */
    private byte[] buf = new byte[INITIAL_BUFFER];
    /** Where the unfinished line starts and the data ends in {@link #buf}; kept across a hand-over. */
    private int start;
    private int end;
    private boolean filled;
    private long windowStart = System.nanoTime();
    private long windowBytes;

    /** Told once, when the stream has ended (with the read error, or null), unless the reading was handed over. */
    private final Consumer<IOException> ended;

    /** @param ended told when the stream has ended and is closed, with the read error or null */
    StreamReader(StdStream stream, InputStream in, List<LineConsumer> consumers, int maxLine, Consumer<IOException> ended) {
        this.ended = ended;
        this.stream = stream;
        this.in = in;
        this.consumers = consumers.toArray(LineConsumer[]::new);
        this.maxLine = maxLine;
    }

    @Override
    public void run() {
        IOException error = null;
        boolean handedOver = false;
        try {
            handedOver = drain();
        } catch (IOException e) {
            error = e;
            lastLine();          // a dying child's last words, cut off by abandon(), still reach the tail
        } catch (RuntimeException | Error e) {
            // A bug, or a JVM out of memory or threads: the pipe must not be closed under the child (its
            // next write would kill it with SIGPIPE), so the rest is read and thrown away.
            LOG.error("reading the {} of a child failed; the rest of it is discarded", stream, e);
            error = discardRest(e);
        } finally {
            if (!handedOver) {
                try {
                    in.close();
                } catch (IOException e) {
                    if (error == null) error = e;
                }
                ended.accept(error);
            }
        }
    }

    /**
     * Reads to the end of the stream; returns true instead when it handed the rest to a platform thread
     * (a busy stream of the native launcher read by a virtual thread, see {@link PollableStream#dedicate}).
     */
    private boolean drain() throws IOException {
        while (true) {
            if (buf.length - end < readSize) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
                // A stream that fills the small buffer, or a long unfinished line, gets the full one.
                int capacity = maxLine + 2 + readSize;
                if (buf.length < capacity && (filled || buf.length - end < buf.length / 2)) {
                    buf = Arrays.copyOf(buf, capacity);
                }
            }
            // At most the pipe's capacity: a longer read makes BufferedInputStream ask available() too.
            int want = Math.min(readSize, buf.length - end);
            int n = in.read(buf, end, want);
            if (n < 0) break;
            filled = n == want;
            batch.reset(buf);
            start = split(start, end, end + n);
            end += n;
            dispatch();
            if (coalesce && n < want / 2) LockSupport.parkNanos(COALESCE_NANOS);
            if (in instanceof PollableStream p && Thread.currentThread().isVirtual() && busy(n)) {
                readSize = Math.max(READ_SIZE, p.dedicate());
                coalesce = readSize > READ_SIZE;
                platformThread(Thread.currentThread().getName(), this).start();
                return true;
            }
        }
        lastLine();
        return false;
    }

    /** Hands on the unfinished last line, if any: at the end of the stream, or when a read failed (abandoned). */
    private void lastLine() {
        if (end <= start) return;
        batch.reset(buf);
        batch.ascii = pendingAscii;
        line(start, end);
        start = end;
        dispatch();
    }

    /** Reads to the end of the stream into a small buffer, keeping nothing; returns the failure to report. */
    private IOException discardRest(Throwable cause) {
        IOException failure = new IOException("output reader failed, the rest was discarded: " + cause, cause);
        byte[] sink = new byte[8 * 1024];
        try {
            while (in.read(sink, 0, sink.length) >= 0) {
                // thrown away
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /** Counts {@code n} more bytes; true once {@link #BUSY_BYTES} arrived within one window. */
    private boolean busy(int n) {
        long now = System.nanoTime();
        if (now - windowStart > BUSY_WINDOW_NANOS) {
            windowStart = now;
            windowBytes = 0;
        }
        windowBytes += n;
        return windowBytes >= BUSY_BYTES;
    }

    /** Finds the lines ending in [from, to); returns where the unfinished line starts. */
    private int split(int start, int from, int to) {
        byte[] b = buf;
        // The batch's arrays and count in locals: kept in registers, not reloaded and stored per line
        // (measured: a fifth less CPU per byte than calling line() for each, on 85-byte lines).
        LineBatch lines = batch;
        int[] starts = lines.starts;
        int[] ends = lines.ends;
        int count = lines.count;
        int i = from;
        long high = 0;
        // Thirty-two bytes a step. In each word XORed with \n, (x - ONES) & ~x has the high bit set in every
        // zero byte (a \n), and also in a byte 0x01 (a \v) right after one in the text, through the borrow.
        // So the four words tell exactly whether the step holds a \n (most steps of ordinary log lines hold
        // none); where one does, the candidates (high bits gathered into one bit per byte by a
        // multiplication) are checked against the buffer, which drops the rare \v.
        for (; i + 32 <= to; i += 32) {
            long x0 = (long) LONGS.get(b, i) ^ NEWLINES;
            long x1 = (long) LONGS.get(b, i + 8) ^ NEWLINES;
            long x2 = (long) LONGS.get(b, i + 16) ^ NEWLINES;
            long x3 = (long) LONGS.get(b, i + 24) ^ NEWLINES;
            high |= x0 | x1 | x2 | x3;
            long z0 = (x0 - ONES) & ~x0 & HIGH_BITS;
            long z1 = (x1 - ONES) & ~x1 & HIGH_BITS;
            long z2 = (x2 - ONES) & ~x2 & HIGH_BITS;
            long z3 = (x3 - ONES) & ~x3 & HIGH_BITS;
            if ((z0 | z1 | z2 | z3) == 0) continue;
            long m = gather(z0) | gather(z1) << 8 | gather(z2) << 16 | gather(z3) << 24;
            while (m != 0) {
                int nl = i + Long.numberOfTrailingZeros(m);
                m &= m - 1;
                if (b[nl] != '\n') continue;
                int end = nl > start && b[nl - 1] == '\r' ? nl - 1 : nl;
                if (count < starts.length && end - start <= maxLine) {
                    starts[count] = start;
                    ends[count] = end;
                    count++;
                } else {                     // a full batch or a line to cut: the general path
                    lines.count = count;
                    pieces(start, end);
                    starts = lines.starts;
                    ends = lines.ends;
                    count = lines.count;
                }
                start = nl + 1;
            }
        }
        lines.count = count;
        for (; i < to; i++) {
            high |= b[i];
            if (b[i] == '\n') {
                line(start, i);
                start = i + 1;
            }
        }
        // XOR with \n keeps the high bits: this tells whether the bytes read are all ASCII; the
        // unfinished line carried over from the last read is ASCII if that batch was.
        lines.ascii = pendingAscii && (high & HIGH_BITS) == 0;
        // One byte of slack: an unfinished line of exactly maxLine bytes may still end in \r\n.
        while (to - start > maxLine + 1) start = piece(start, start + maxLine);
        pendingAscii = lines.ascii || isAscii(start, to);
        return start;
    }

    /** The high bits of a word's eight bytes, {@code z} having no other bits, as its lowest eight bits. */
    private static long gather(long z) {
        return (z >>> 7) * GATHER >>> 56;
    }

    private boolean isAscii(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] < 0) return false;
        }
        return true;
    }

    /** A complete line [start, end) without its \n; drops a trailing \r and splits it if too long. */
    private void line(int start, int end) {
        pieces(start, end > start && buf[end - 1] == '\r' ? end - 1 : end);
    }

    /** Adds the line [start, end), already without its line end, in pieces of at most the maximum length. */
    private void pieces(int start, int end) {
        while (end - start > maxLine) start = piece(start, start + maxLine);
        batch.add(start, end);
    }

    /** Emits [start, limit) moved back so as not to cut a UTF-8 sequence; returns where the rest starts. */
    private int piece(int start, int limit) {
        int cut = limit;
        while (cut > limit - 3 && (buf[cut] & 0xC0) == 0x80) cut--;
        if ((buf[cut] & 0xC0) == 0x80) cut = limit;
        batch.add(start, cut);
        return cut;
    }

    /** Hands the batch to each consumer; one that throws is logged and dropped, draining goes on. */
    private void dispatch() {
        if (batch.count() == 0) return;
        for (int i = 0; i < consumers.length; i++) {
            LineConsumer c = consumers[i];
            if (c == null) continue;
            try {
                c.accept(stream, batch);
            } catch (RuntimeException | Error e) {      // StackOverflowError in a regex, too
                consumers[i] = null;
                LOG.warn("output sink {} of {} failed and is dropped; draining goes on", c, stream, e);
            }
        }
    }

    /** A platform daemon thread with a small stack, for a blocking stream (a blocking read pins a virtual thread's carrier). */
    static Thread platformThread(String name, Runnable reader) {
        Thread t = new Thread(null, reader, name, STACK_SIZE, false);
        t.setDaemon(true);
        return t;
    }
}

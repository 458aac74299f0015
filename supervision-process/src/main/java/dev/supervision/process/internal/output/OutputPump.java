package dev.supervision.process.internal.output;

import dev.supervision.process.internal.launch.PollableStream;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputLine;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.output.StdStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains a child's stdout and stderr, each on a thread of its own ({@code supervision-out-<child>-stdout|stderr}),
 * splits them into lines and hands each read's lines to the sinks, the tail and the listeners. Streams of
 * the native launcher ({@link PollableStream}) are read by virtual threads, which unmount while the pipe
 * is empty; the JDK's blocking streams by platform daemon threads with a 256 KiB stack (a blocking pipe
 * read pins a virtual thread's carrier).
 *
 * <p>Memory: each reader starts with an 8 KiB buffer and grows it once, to the maximum line length plus
 * 64 KiB (plus 1 MiB for a busy native stream, see below), when the stream fills it or a long line is
 * pending; an idle child costs two small buffers and two parked threads.
 *
 * <p>How the bytes reach us: reads of 64 KiB (a Linux pipe's capacity; up to 1 MiB once a busy native
 * stream's pipe is raised, with reads coalesced by a short pause) straight into the line buffer (one
 * copy, the kernel's, with the native launcher's streams; with the JDK's, its own {@code BufferedInputStream}
 * is bypassed for reads that large, leaving the copy from its native buffer), {@code \n} found thirty-two
 * bytes at a time (SWAR over a {@code long} view of the buffer), no String made unless a sink or listener
 * asks for one (listeners get a view, the tail keeps bytes in reused slots), and the consumers called
 * once per read rather than once per line.
 *
 * <p>The pump ends when both streams reach end of file, that is when the process and every descendant
 * that inherited its stdout and stderr have exited (or closed them), or when {@link #abandon} closes the
 * native launcher's streams (closing the JDK's does not wake a thread blocked reading them; the JDK
 * itself drains and closes them when the process exits).
 */
public final class OutputPump {
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

    private final OutputTail tail;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final AtomicInteger open = new AtomicInteger(2);
    private final List<RotatingFileSink> files;
    private final List<InputStream> streams;
    private volatile IOException failure;

    private OutputPump(OutputTail tail, List<RotatingFileSink> files, List<InputStream> streams) {
        this.tail = tail;
        this.files = files;
        this.streams = streams;
    }

    /**
     * Starts draining {@code process}'s stdout and stderr.
     *
     * @param childId   names the threads and the loggers
     * @param extra     listeners besides the spec's own (probes, the crash classifier), called after them; one
     *                  that is also a {@link LineConsumer} (the classifier) gets each read's lines at once
     */
    public static OutputPump start(String childId, Process process, OutputSpec spec, List<LineListener> extra) {
        return start(childId, process.getInputStream(), process.getErrorStream(), spec, extra);
    }

    /** Starts draining two streams as a child's stdout and stderr; each is closed at its end. */
    public static OutputPump start(String childId, InputStream stdout, InputStream stderr, OutputSpec spec,
                                   List<LineListener> extra) {
        List<LineListener> listeners = new ArrayList<>(spec.listeners());
        listeners.addAll(extra);
        OutputTail tail = new OutputTail(spec.tailLines());
        Map<Path, RotatingFileSink> files = new HashMap<>();
        List<LineConsumer> out = consumers(childId, StdStream.STDOUT, spec, tail, listeners, files);
        List<LineConsumer> err = consumers(childId, StdStream.STDERR, spec, tail, listeners, files);
        OutputPump pump = new OutputPump(tail, List.copyOf(files.values()), List.of(stdout, stderr));
        pump.thread(childId, StdStream.STDOUT, stdout, out, spec.maxLineLength()).start();
        pump.thread(childId, StdStream.STDERR, stderr, err, spec.maxLineLength()).start();
        return pump;
    }

    private static List<LineConsumer> consumers(String childId, StdStream stream, OutputSpec spec, OutputTail tail,
                                                List<LineListener> listeners, Map<Path, RotatingFileSink> files) {
        List<LineConsumer> consumers = new ArrayList<>();
        for (OutputSink sink : spec.sinks(stream)) {
            switch (sink) {
                case OutputSink.Logger l -> consumers.add(new LoggerSink(childId, stream,
                        stream == StdStream.STDOUT ? l.stdoutLevel() : l.stderrLevel()));
                case OutputSink.RotatingFile f -> consumers.add(files.computeIfAbsent(
                        f.file().toAbsolutePath().normalize(), p -> new RotatingFileSink(f)));
                case OutputSink.PassThrough p -> consumers.add(new PassThroughSink(stream == StdStream.STDOUT ? System.out : System.err));
                case OutputSink.Discard d -> { }
            }
        }
        consumers.add(tail);
        List<LineListener> perLine = new ArrayList<>();
        List<LineConsumer> batched = new ArrayList<>();
        for (LineListener l : listeners) {
            if (l instanceof LineConsumer c) batched.add(c);
            else perLine.add(l);
        }
        if (!perLine.isEmpty()) consumers.add(new ListenerConsumer(perLine));
        consumers.addAll(batched);
        return consumers;
    }

    private Thread thread(String childId, StdStream stream, InputStream in, List<LineConsumer> consumers, int maxLine) {
        Reader reader = new Reader(stream, in, consumers, maxLine);
        String name = "supervision-out-" + childId + "-" + stream.name().toLowerCase(Locale.ROOT);
        if (in instanceof PollableStream) return Thread.ofVirtual().name(name).unstarted(reader);
        return platformThread(name, reader);
    }

    private static Thread platformThread(String name, Runnable reader) {
        Thread t = new Thread(null, reader, name, STACK_SIZE, false);
        t.setDaemon(true);
        return t;
    }

    /** Completes when both streams have ended and the files are closed; exceptionally if a read failed. */
    public CompletableFuture<Void> completion() {
        return completion;
    }

    /**
     * Gives up on what is still unread: closes both streams, which ends the pump at once when they are the
     * native launcher's (their readers wake and the completion fails with "StdStream closed"). For a process
     * that exited while something outside its tree still holds its pipes.
     */
    public void abandon() {
        for (InputStream in : streams) {
            try {
                in.close();
            } catch (IOException e) {
                LOG.debug("closing an abandoned output stream failed", e);
            }
        }
    }

    /** The last lines of both streams, oldest first. */
    public List<OutputLine> tail() {
        return tail.snapshot();
    }

    private void streamEnded(IOException error) {
        if (error != null) failure = error;
        if (open.decrementAndGet() > 0) return;
        files.forEach(RotatingFileSink::close);
        IOException f = failure;
        if (f == null) completion.complete(null);
        else completion.completeExceptionally(f);
    }

    /** Reads one stream to its end. */
    private final class Reader implements Runnable {
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

        Reader(StdStream stream, InputStream in, List<LineConsumer> consumers, int maxLine) {
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
                    streamEnded(error);
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
    }

    /**
     * Calls the listeners for each line with a reused view. A listener that throws (an {@code Error} too, such
     * as a regex's {@code StackOverflowError} on a long line) skips that line and is called for the next; its
     * first failure is logged with the stack trace, later ones at debug level, so that a listener failing on
     * every line does not slow the reader with a stack trace per line.
     */
    private static final class ListenerConsumer implements LineConsumer {
        private final LineListener[] listeners;
        private final boolean[] failedBefore;
        private final Utf8Line view = new Utf8Line();

        ListenerConsumer(List<LineListener> listeners) {
            this.listeners = listeners.toArray(LineListener[]::new);
            this.failedBefore = new boolean[this.listeners.length];
        }

        @Override
        public void accept(StdStream stream, LineBatch lines) {
            int count = lines.count();
            view.batch(lines.buf, lines.ascii);
            if (listeners.length == 1) {                 // the usual case: no inner loop per line
                LineListener l = listeners[0];
                for (int i = 0; i < count; i++) {
                    view.line(lines.start(i), lines.length(i));
                    try {
                        l.onLine(stream, view);
                    } catch (RuntimeException | Error e) {
                        failed(0, stream, e);
                    }
                }
                return;
            }
            for (int i = 0; i < count; i++) {
                view.line(lines.start(i), lines.length(i));
                for (int j = 0; j < listeners.length; j++) {
                    try {
                        listeners[j].onLine(stream, view);
                    } catch (RuntimeException | Error e) {
                        failed(j, stream, e);
                    }
                }
            }
        }

        private void failed(int listener, StdStream stream, Throwable e) {
            if (failedBefore[listener]) {
                LOG.debug("output listener {} failed again on a {} line: {}", listeners[listener], stream, e.toString());
                return;
            }
            failedBefore[listener] = true;
            LOG.warn("output listener {} failed on a {} line and is called on for the next lines; later failures are logged at debug level",
                    listeners[listener], stream, e);
        }
    }
}

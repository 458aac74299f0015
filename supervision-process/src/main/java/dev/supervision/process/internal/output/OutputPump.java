package dev.supervision.process.internal.output;

import dev.supervision.process.internal.launch.PollableStream;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputLine;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.output.StdStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
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
        StreamReader reader = new StreamReader(stream, in, consumers, maxLine, this::streamEnded);
        String name = "supervision-out-" + childId + "-" + stream.name().toLowerCase(Locale.ROOT);
        if (in instanceof PollableStream) return Thread.ofVirtual().name(name).unstarted(reader);
        return StreamReader.platformThread(name, reader);
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

}

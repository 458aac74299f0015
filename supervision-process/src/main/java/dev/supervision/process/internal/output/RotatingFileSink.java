package dev.supervision.process.internal.output;

import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.StdStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends lines to a size-rotated file; shared by both streams when both name it (one lock per read).
 * The file is opened lazily on the first line. A live file deleted from outside is started afresh at the next
 * rotation (the lines written to it since are lost with it). An I/O failure is logged once and disables the sink.
 */
final class RotatingFileSink implements LineConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(RotatingFileSink.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final byte[] buffer = new byte[64 * 1024];
    private int buffered;
    private FileOutputStream out;
    /** The identity ({@code fileKey}: device and inode) of the file {@link #out} writes, read when it was opened. */
    private Object openedKey;
    private long size;
    private boolean failed;

    RotatingFileSink(OutputSink.RotatingFile spec) {
        this.file = spec.file();
        this.maxBytes = spec.maxBytes();
        this.keep = spec.keep();
    }

    @Override
    public void accept(StdStream stream, LineBatch lines) {
        lock.lock();
        try {
            if (failed) return;
            if (out == null) open();
            for (int i = 0; i < lines.count(); i++) {
                int len = lines.length(i);
                if (size + len + 1 > maxBytes && size > 0) {
                    flush();
                    rotate();
                }
                if (buffer.length - buffered < len + 1) flush();
                if (len + 1 > buffer.length) {
                    out.write(lines.buf, lines.start(i), len);
                    out.write('\n');
                } else {
                    System.arraycopy(lines.buf, lines.start(i), buffer, buffered, len);
                    buffered += len;
                    buffer[buffered++] = '\n';
                }
                size += len + 1;
            }
            flush();
        } catch (IOException e) {
            fail(e);
        } finally {
            lock.unlock();
        }
    }

    private void open() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        out = new FileOutputStream(file.toFile(), true);
        openedKey = key(file);
        size = Files.size(file);
    }

    private void flush() throws IOException {
        if (buffered > 0) {
            out.write(buffer, 0, buffered);
            buffered = 0;
        }
    }

    private void rotate() throws IOException {
        if (keep == 0 && openedKey != null && openedKey.equals(key(file))) {
            // In place, the descriptor still appending: a symlink, the file's owner, a tail -f stay, and a
            // truncation from outside (copytruncate) never leaves a hole of NUL bytes. Only while the path still
            // names the file written: renamed (logrotate's default) or deleted, it is left alone and the path
            // started afresh.
            out.getChannel().truncate(0);
            size = 0;
            return;
        }
        out.close();
        if (keep > 0) {
            Files.deleteIfExists(rotated(keep));
            for (int i = keep - 1; i >= 1; i--) {
                Path from = rotated(i);
                if (Files.exists(from)) Files.move(from, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
            // Deleted by hand or by a log cleaner meanwhile (what was written since is gone with it): then
            // there is nothing to keep, and the sink goes on with a new file rather than failing for good.
            if (Files.exists(file)) Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        }
        out = null;
        open();
    }

    /** The identity of the file at {@code path} now, or null if there is none (or no identity is known). */
    private static Object key(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException gone) {
            return null;
        }
    }

    private Path rotated(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    private void fail(IOException e) {
        failed = true;
        LOG.warn("output file {} failed; its lines are dropped from now on (the tail and listeners still see them)",
                file, e);
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // already reported as failed
        }
    }

    /** Closes the file; called once, after both streams have ended. */
    void close() {
        lock.lock();
        try {
            if (out == null || failed) return;
            out.close();
        } catch (IOException e) {
            fail(e);
        } finally {
            lock.unlock();
        }
    }
}

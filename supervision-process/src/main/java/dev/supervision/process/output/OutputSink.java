package dev.supervision.process.output;

import java.nio.file.Path;
import org.slf4j.event.Level;

/**
 * Where the lines of a child's output go, besides the tail and the listeners, which always see them.
 * A stream may have several sinks (e.g. a logger and a file). Sinks run on the stream's reader thread;
 * a sink that fails (a full disk) is reported once in the log and disabled for the rest of that
 * incarnation, and the output keeps being drained.
 */
public sealed interface OutputSink {

    /** Logs each line through slf4j, stdout at INFO and stderr at INFO (see {@link Logger}). */
    static OutputSink logger() {
        return new Logger(Level.INFO, Level.INFO);
    }

    /** Logs each line through slf4j at the given levels. */
    static OutputSink logger(Level stdoutLevel, Level stderrLevel) {
        return new Logger(stdoutLevel, stderrLevel);
    }

    /** Appends lines to {@code file}, rotated by size; see {@link RotatingFile}. */
    static OutputSink rotatingFile(Path file, long maxBytes, int keep) {
        return new RotatingFile(file, maxBytes, keep);
    }

    /** Copies the lines to this JVM's own {@code System.out} (stdout lines) and {@code System.err}. */
    static OutputSink passThrough() {
        return new PassThrough();
    }

    /** Drops the lines (the tail and the listeners still see them). */
    static OutputSink discard() {
        return new Discard();
    }

    /**
     * One slf4j logger per child and stream, named {@code supervision.process.<childId>.stdout} and
     * {@code supervision.process.<childId>.stderr}, so each can be routed or silenced on its own. Both
     * default to INFO: inference servers and Python programs (vLLM, llama.cpp, the {@code logging}
     * module) write their ordinary progress to stderr, so logging stderr as WARN would cry wolf. A line
     * is decoded to a String only when its logger is enabled at that level.
     *
     * @param stdoutLevel the level of stdout lines
     * @param stderrLevel the level of stderr lines
     */
    record Logger(Level stdoutLevel, Level stderrLevel) implements OutputSink {
        public Logger {
            if (stdoutLevel == null) throw new IllegalArgumentException("Logger.stdoutLevel must be a level, was null");
            if (stderrLevel == null) throw new IllegalArgumentException("Logger.stderrLevel must be a level, was null");
        }
    }

    /**
     * Appends each line and a {@code \n} to {@code file} (created with its parent directories; an existing
     * file is appended to, so a restarted child continues it). Before a line would make the file exceed
     * {@code maxBytes}, the file is rotated: {@code file.1} becomes {@code file.2} and so on, the oldest
     * beyond {@code keep} is deleted, {@code file} becomes {@code file.1}, and a new {@code file} is
     * started. Every file therefore stays at or below {@code maxBytes}, and at most {@code keep + 1}
     * files exist. {@code keep = 0} truncates instead of rotating. When both streams name the same file
     * they share one writer and their lines interleave whole.
     *
     * @param file     the live file
     * @param maxBytes the size bound of each file, 1 KiB .. 1 TiB, and more than the spec's maximum line
     *                 length plus one (checked by {@link OutputSpec.Builder#build()})
     * @param keep     how many rotated files to keep, 0 .. 1000
     */
    record RotatingFile(Path file, long maxBytes, int keep) implements OutputSink {
        /** Smallest accepted {@code maxBytes}. */
        public static final long MIN_BYTES = 1024;
        /** Largest accepted {@code maxBytes}. */
        public static final long MAX_BYTES = 1L << 40;
        /** Largest accepted {@code keep}. */
        public static final int MAX_KEEP = 1000;

        public RotatingFile {
            if (file == null) throw new IllegalArgumentException("RotatingFile.file must be a path, was null");
            if (file.getFileName() == null) {
                throw new IllegalArgumentException("RotatingFile.file must name a file, was '" + file + "'");
            }
            if (maxBytes < MIN_BYTES || maxBytes > MAX_BYTES) {
                throw new IllegalArgumentException("RotatingFile.maxBytes must be in " + MIN_BYTES + ".." + MAX_BYTES
                        + ", was " + maxBytes);
            }
            if (keep < 0 || keep > MAX_KEEP) {
                throw new IllegalArgumentException("RotatingFile.keep must be in 0.." + MAX_KEEP + ", was " + keep);
            }
        }
    }

    /**
     * Copies lines to the JVM's own {@code System.out} / {@code System.err} (as they are when the child
     * starts), the lines of each read in one write so that lines of different children never mix. Each
     * line ends with {@code \n}: a {@code \r\n} becomes {@code \n}, a last line without one gets one.
     */
    record PassThrough() implements OutputSink {
    }

    /** Drops the lines. */
    record Discard() implements OutputSink {
    }
}

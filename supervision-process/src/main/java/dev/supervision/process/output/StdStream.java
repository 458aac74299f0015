package dev.supervision.process.output;

/** One of the two output streams of a child process. */
public enum StdStream {
    /** The child's standard output (file descriptor 1). */
    STDOUT,
    /** The child's standard error (file descriptor 2). */
    STDERR
}

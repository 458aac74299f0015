package dev.supervision.process.internal;

/**
 * Marks a child's output stream whose reads park the calling thread instead of blocking it in the
 * kernel: a virtual thread reading it unmounts while the pipe is empty, so draining it needs no
 * platform thread of its own.
 */
interface PollableStream {
}

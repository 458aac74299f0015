package dev.supervision.process.internal.launch;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The read end of a child's stdout or stderr pipe, non-blocking, read straight into the caller's array
 * (one copy, the kernel's). A read on an empty pipe parks the calling thread until the {@link Poller}
 * reports data or end of file, so a virtual thread draining it unmounts meanwhile. The registration is
 * edge-triggered: a reader only parks after a read found the pipe empty, and every arrival after that
 * read is an edge, so no wake-up is lost and none costs an {@code epoll_ctl}. Once
 * {@linkplain #dedicate() dedicated} to a platform thread, a read on an empty pipe blocks that thread in
 * {@code poll} instead, and the pipe's capacity is raised to 1 MiB where the kernel allows. One reader at
 * a time; {@link #close} from any thread wakes a parked reader, which then fails with "Stream closed" (a
 * reader in {@code poll} notices within {@link #POLL_MILLIS} ms).
 */
final class PipeStream extends InputStream implements PollableStream {
    /** Edge-triggered: one event each time data arrives in the drained pipe (or it hangs up); never re-armed. */
    private static final int EVENTS = Libc.EPOLLIN | Libc.EPOLLET;

    private final Poller poller;
    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment errno = Libc.newErrno(Arena.ofAuto());
    private final long token;
    /** The descriptor; -1 once closed (guarded by {@link #lock}). */
    private int fd;
    private volatile boolean ready;
    private volatile Thread waiter;
    /** Set by {@link #dedicate}: waits go to the kernel ({@code poll}), not the poller; its {@code struct pollfd}. */
    private volatile MemorySegment pollFd;
    /** How long one {@code poll} waits before looking whether the stream was closed meanwhile. */
    private static final int POLL_MILLIS = 1000;
    /** The pipe capacity a dedicated stream asks for: 1 MiB, the default {@code /proc/sys/fs/pipe-max-size}. */
    private static final int BUSY_CAPACITY = 1 << 20;
    /** The pipe's capacity: Linux's default 64 KiB until {@link #dedicate} raises it. */
    private int capacity = 64 * 1024;

    PipeStream(Poller poller, int fd) throws IOException {
        this.poller = poller;
        this.fd = fd;
        this.token = poller.add(fd, EVENTS, this::wake);
    }

    /** Runs on the poller thread. */
    private void wake() {
        ready = true;
        Thread t = waiter;
        if (t != null) LockSupport.unpark(t);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        MemorySegment target = MemorySegment.ofArray(b).asSlice(off, len);
        while (true) {
            ready = false;                         // an edge from now on wakes the park below
            long n;
            int error;
            lock.lock();
            try {
                if (fd < 0) throw new IOException("Stream closed");
                n = (long) Libc.read.invokeExact(errno, fd, target, (long) len);
                error = n < 0 ? Libc.errno(errno) : 0;
            } catch (IOException e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException("read failed", t);
            } finally {
                lock.unlock();
            }
            if (n > 0) return (int) n;
            if (n == 0) return -1;
            if (error == Libc.EINTR) continue;
            if (error != Libc.EAGAIN) throw new IOException("read: " + Libc.describe(error));
            MemorySegment dedicated = pollFd;
            if (dedicated == null) awaitData();
            else awaitKernel(dedicated);
        }
    }

    @Override
    public int dedicate() {
        lock.lock();
        try {
            if (fd < 0 || pollFd != null) return capacity;
            int raised;
            try {
                raised = (int) Libc.fcntl.invokeExact(errno, fd, Libc.F_SETPIPE_SZ, BUSY_CAPACITY);
            } catch (Throwable t) {
                throw new IllegalStateException("fcntl(F_SETPIPE_SZ) failed", t);
            }
            // Fails (EPERM) where the user's pipes are over the kernel's soft limit: the capacity stays.
            if (raised > 0) capacity = raised;
            poller.remove(fd, token);
            MemorySegment p = Arena.ofAuto().allocate(8, 4);
            p.set(ValueLayout.JAVA_INT, 0, fd);
            p.set(ValueLayout.JAVA_SHORT, 4, Libc.POLLIN);
            pollFd = p;
            return capacity;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks this (platform) thread in {@code poll} until the pipe is readable or hung up; returns at least
     * every {@link #POLL_MILLIS} so that a close meanwhile is noticed by the next read.
     */
    private void awaitKernel(MemorySegment p) throws IOException {
        int rc;
        try {
            rc = (int) Libc.poll.invokeExact(errno, p, 1L, POLL_MILLIS);
        } catch (Throwable t) {
            throw new IOException("poll failed", t);
        }
        if (rc < 0 && Libc.errno(errno) != Libc.EINTR) throw new IOException("poll: " + Libc.describe(Libc.errno(errno)));
    }

    /** Parks until the poller reports data or a hang-up since the last read, or the stream is closed. */
    private void awaitData() {
        waiter = Thread.currentThread();
        try {
            while (!ready) LockSupport.park(this);
        } finally {
            waiter = null;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (fd < 0) return;
            poller.remove(fd, token);
            poller.close(fd);
            fd = -1;
        } finally {
            lock.unlock();
        }
        wake();
    }
}

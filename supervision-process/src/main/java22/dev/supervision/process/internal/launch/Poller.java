package dev.supervision.process.internal.launch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code epoll} instance and the platform daemon thread ({@code supervision-poller}) that waits on it
 * and runs each ready descriptor's callback. Callbacks run on that thread and must be short (wake a
 * reader, reap an exited process). Registrations are keyed by a token that is never reused, so an event
 * still in flight for a closed descriptor can never reach the descriptor that took its number. Idle, the
 * thread is blocked in {@code epoll_wait} and costs no CPU. Thread-safe.
 */
final class Poller {
    private static final Logger LOG = LoggerFactory.getLogger(Poller.class);
    private static final int MAX_EVENTS = 64;
    private static final long STACK_SIZE = 256 * 1024;

    private final int epfd;
    private final Map<Long, Runnable> callbacks = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong();
    /** For {@code epoll_ctl} (from any thread, one at a time: it takes a microsecond): the event and errno. */
    private final MemorySegment ctlEvent = Arena.global().allocate(16, 8);
    private final MemorySegment ctlErrno = Libc.newErrno(Arena.global());
    /** For {@link #reap} (poller thread only). */
    private final MemorySegment siginfo = Arena.global().allocate(Libc.SIGINFO_BYTES, 8);
    private final MemorySegment pollerErrno = Libc.newErrno(Arena.global());

    Poller() throws IOException {
        try {
            epfd = (int) Libc.epollCreate1.invokeExact(ctlErrno, Libc.EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw new IOException("epoll_create1 failed", t);
        }
        if (epfd < 0) throw new IOException("epoll_create1: " + Libc.describe(Libc.errno(ctlErrno)));
        Thread t = new Thread(null, this::loop, "supervision-poller", STACK_SIZE, false);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Watches {@code fd} for {@code events}; {@code callback} runs on the poller thread each time it is
     * reported ready (level- or edge-triggered, as {@code events} says).
     *
     * @return the registration's token, for {@link #remove}
     */
    long add(int fd, int events, Runnable callback) throws IOException {
        long token = tokens.incrementAndGet();
        callbacks.put(token, callback);
        try {
            ctl(Libc.EPOLL_CTL_ADD, fd, events, token);
        } catch (IOException e) {
            callbacks.remove(token);
            throw e;
        }
        return token;
    }

    /** Stops watching {@code fd}; call before closing it. */
    void remove(int fd, long token) {
        callbacks.remove(token);
        try {
            ctl(Libc.EPOLL_CTL_DEL, fd, 0, token);
        } catch (IOException e) {
            LOG.debug("epoll_ctl(DEL, {}): {}", fd, e.getMessage());
        }
    }

    private synchronized void ctl(int op, int fd, int events, long token) throws IOException {
        ctlEvent.set(ValueLayout.JAVA_INT, 0, events);
        ctlEvent.set(ValueLayout.JAVA_LONG_UNALIGNED, Libc.EPOLL_DATA_OFFSET, token);
        int rc;
        try {
            rc = (int) Libc.epollCtl.invokeExact(ctlErrno, epfd, op, fd, ctlEvent);
        } catch (Throwable t) {
            throw new IOException("epoll_ctl failed", t);
        }
        if (rc != 0) throw new IOException("epoll_ctl(" + op + ", fd " + fd + "): " + Libc.describe(Libc.errno(ctlErrno)));
    }

    /**
     * On the poller thread, when a pidfd is readable: reaps the process with {@code waitid(P_PIDFD)}.
     *
     * @return the JDK's exit value (the status, or 128 + n for signal n); {@link Integer#MIN_VALUE} when the
     *         process has not exited after all; -1 when it was reaped elsewhere (its status is lost)
     */
    int reap(int pidfd, long pid) {
        siginfo.fill((byte) 0);
        int rc;
        try {
            rc = (int) Libc.waitid.invokeExact(pollerErrno, Libc.P_PIDFD, pidfd, siginfo, Libc.WEXITED | Libc.WNOHANG);
        } catch (Throwable t) {
            LOG.error("waitid on pid {} failed", pid, t);
            return Integer.MIN_VALUE;
        }
        if (rc != 0) {
            int e = Libc.errno(pollerErrno);
            if (e == Libc.EINTR) return Integer.MIN_VALUE;          // level-triggered: reported again
            // ECHILD: reaped by someone else (a waitpid(-1) elsewhere in this JVM).
            LOG.warn("pid {} exited but its status could not be read: {}", pid, Libc.describe(e));
            return -1;
        }
        if (siginfo.get(ValueLayout.JAVA_INT, Libc.SIGINFO_PID) == 0) return Integer.MIN_VALUE;     // not exited yet
        int code = siginfo.get(ValueLayout.JAVA_INT, Libc.SIGINFO_CODE);
        int status = siginfo.get(ValueLayout.JAVA_INT, Libc.SIGINFO_STATUS);
        return code == Libc.CLD_EXITED ? status : 0x80 + status;
    }

    /** Closes a descriptor this poller watched (after {@link #remove}); from any thread. */
    synchronized void close(int fd) {
        try {
            int rc = (int) Libc.close.invokeExact(ctlErrno, fd);     // on Linux the descriptor is gone even if this fails
            if (rc != 0) LOG.debug("close({}): {}", fd, Libc.describe(Libc.errno(ctlErrno)));
        } catch (Throwable t) {
            LOG.debug("close({}) failed", fd, t);
        }
    }

    private void loop() {
        Arena arena = Arena.global();
        MemorySegment events = arena.allocate(Libc.EPOLL_EVENT_BYTES * MAX_EVENTS, 8);
        MemorySegment errno = Libc.newErrno(arena);
        while (true) {
            int n;
            try {
                n = (int) Libc.epollWait.invokeExact(errno, epfd, events, MAX_EVENTS, -1);
            } catch (Throwable t) {
                LOG.error("epoll_wait failed; process exits and output are no longer watched", t);
                return;
            }
            if (n < 0) {
                int e = Libc.errno(errno);
                if (e == Libc.EINTR) continue;
                LOG.error("epoll_wait: {}; process exits and output are no longer watched", Libc.describe(e));
                return;
            }
            for (int i = 0; i < n; i++) {
                long token = events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * Libc.EPOLL_EVENT_BYTES + Libc.EPOLL_DATA_OFFSET);
                Runnable callback = callbacks.get(token);
                if (callback == null) continue;            // removed meanwhile
                try {
                    callback.run();
                } catch (Throwable t) {
                    LOG.error("poller callback failed", t);
                }
            }
        }
    }
}

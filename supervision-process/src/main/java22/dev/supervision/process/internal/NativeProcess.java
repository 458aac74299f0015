package dev.supervision.process.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process started by {@link PosixSpawnLauncher}: watched through a {@code pidfd} on the {@link Poller},
 * reaped there with {@code waitid(P_PIDFD)} as soon as it exits, and {@link #onExit()} completed on the
 * poller thread. Exit values follow the JDK: the exit status, or 128 + n when killed by signal n. Signals
 * go through the {@link ProcessHandle} taken at launch, which checks the start time, so a reused pid is
 * never signalled. Thread-safe.
 */
final class NativeProcess extends Process {
    private static final Logger LOG = LoggerFactory.getLogger(NativeProcess.class);

    private final long pid;
    private final ProcessHandle handle;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Process> exited = new CompletableFuture<>();
    private volatile int exitValue;
    private int pidfd;
    private long token;
    private Poller poller;
    private MemorySegment info;
    private MemorySegment errno;

    NativeProcess(long pid, ProcessHandle handle, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.handle = handle;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts watching for the exit; from now on the poller may reap the process at any time. */
    void watch(Poller poller, int pidfd) throws java.io.IOException {
        Arena arena = Arena.ofAuto();
        this.poller = poller;
        this.pidfd = pidfd;
        this.info = arena.allocate(Libc.SIGINFO_BYTES, 8);
        this.errno = Libc.newErrno(arena);
        synchronized (this) {
            token = poller.add(pidfd, Libc.EPOLLIN, this::reap);
        }
    }

    /** Runs on the poller thread when the pidfd is readable: the process has exited. */
    private synchronized void reap() {
        if (exited.isDone()) return;
        info.fill((byte) 0);
        int rc;
        try {
            rc = (int) Libc.waitid.invokeExact(errno, Libc.P_PIDFD, pidfd, info, Libc.WEXITED | Libc.WNOHANG);
        } catch (Throwable t) {
            LOG.error("waitid on pid {} failed", pid, t);
            return;
        }
        int value;
        if (rc != 0) {
            int e = Libc.errno(errno);
            if (e == Libc.EINTR) return;                   // level-triggered: reported again
            // ECHILD: reaped by someone else (a waitpid(-1) elsewhere in this JVM); the status is lost.
            LOG.warn("pid {} exited but its status could not be read: {}", pid, Libc.describe(e));
            value = -1;
        } else {
            if (info.get(ValueLayout.JAVA_INT, Libc.SIGINFO_PID) == 0) return;     // not exited yet
            int code = info.get(ValueLayout.JAVA_INT, Libc.SIGINFO_CODE);
            int status = info.get(ValueLayout.JAVA_INT, Libc.SIGINFO_STATUS);
            value = code == Libc.CLD_EXITED ? status : 0x80 + status;
        }
        poller.remove(pidfd, token);
        try {
            int closed = (int) Libc.close.invokeExact(errno, pidfd);
            if (closed != 0) LOG.debug("close(pidfd {}): {}", pidfd, Libc.describe(Libc.errno(errno)));
        } catch (Throwable t) {
            LOG.debug("close(pidfd {}) failed", pidfd, t);
        }
        exitValue = value;
        exited.complete(this);
    }

    @Override public OutputStream getOutputStream() { return OutputStream.nullOutputStream(); }
    @Override public InputStream getInputStream() { return stdout; }
    @Override public InputStream getErrorStream() { return stderr; }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            exited.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return exitValue;
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exited.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public int exitValue() {
        if (!exited.isDone()) throw new IllegalThreadStateException("process " + pid + " has not exited");
        return exitValue;
    }

    @Override public void destroy() { handle.destroy(); }

    @Override
    public Process destroyForcibly() {
        handle.destroyForcibly();
        return this;
    }

    @Override public boolean supportsNormalTermination() { return true; }
    @Override public boolean isAlive() { return !exited.isDone(); }
    @Override public long pid() { return pid; }
    @Override public ProcessHandle toHandle() { return handle; }

    /** A new stage each call, completed on the poller thread (callers cannot complete the process's own). */
    @Override public CompletableFuture<Process> onExit() { return exited.copy(); }

    @Override
    public String toString() {
        return "NativeProcess[pid=" + pid + ", " + (exited.isDone() ? "exitValue=" + exitValue : "alive") + "]";
    }
}

package dev.supervision.process.internal.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process started by {@link PosixSpawnLauncher}: watched through a {@code pidfd} on the {@link Poller},
 * reaped there with {@code waitid(P_PIDFD)} as soon as it exits, and {@link #onExit()} completed on the
 * poller thread. Exit values follow the JDK: the exit status, or 128 + n when killed by signal n. Signals
 * go through the {@link ProcessHandle} taken at launch, which checks the start time, so a reused pid is
 * never signalled. Thread-safe.
 */
final class NativeProcess extends Process {
    private final long pid;
    private final ProcessHandle handle;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Process> exited = new CompletableFuture<>();
    private volatile int exitValue;
    /** Guarded by this; -1 once reaped. */
    private int pidfd = -1;
    private long token;
    private Poller poller;

    NativeProcess(long pid, ProcessHandle handle, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.handle = handle;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts watching for the exit; from now on the poller may reap the process at any time. */
    synchronized void watch(Poller poller, int pidfd) throws IOException {
        this.poller = poller;
        this.pidfd = pidfd;
        token = poller.add(pidfd, Libc.EPOLLIN, this::reaped);
    }

    /**
     * Runs on the poller thread when the pidfd is readable: the process has exited. The exit is completed
     * outside the monitor, since what depends on it runs right there.
     */
    private void reaped() {
        synchronized (this) {
            if (pidfd < 0) return;                     // reaped already
            int value = poller.reap(pidfd, pid);
            if (value == Integer.MIN_VALUE) return;
            poller.remove(pidfd, token);
            poller.close(pidfd);
            pidfd = -1;
            exitValue = value;
        }
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

package dev.supervision.process.internal.launch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The native launcher (see {@link Launch}): {@code posix_spawnp} (one {@code exec}, no helper program),
 * with stdin opened on {@code /dev/null}, stdout and stderr dup'ed from {@code O_CLOEXEC} pipes,
 * {@code closefrom(3)}, an empty signal mask and every signal at its default disposition; then a
 * {@code pidfd} for the exit. Loaded by name, only on Java 22+. Thread-safe.
 */
public final class PosixSpawnLauncher implements NativeLauncher {
    private final Poller poller;

    private PosixSpawnLauncher(Poller poller) {
        this.poller = poller;
    }

    /**
     * The launcher, ready to use.
     *
     * @throws UnsupportedOperationException naming why this JVM cannot use it (another OS or CPU, native
     *         access not enabled, a C library without {@code posix_spawn_file_actions_addclosefrom_np}, a
     *         kernel without {@code pidfd_open})
     */
    public static NativeLauncher load() throws IOException {
        if (!System.getProperty("os.name").equals("Linux")) throw new UnsupportedOperationException("not Linux");
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("aarch64")) throw new UnsupportedOperationException("CPU " + arch);
        if (!PosixSpawnLauncher.class.getModule().isNativeAccessEnabled()) {
            throw new UnsupportedOperationException("native access not enabled (--enable-native-access="
                    + (PosixSpawnLauncher.class.getModule().isNamed() ? PosixSpawnLauncher.class.getModule().getName() : "ALL-UNNAMED") + ")");
        }
        try {
            Libc.posixSpawnp.type();                     // loads the handles: fails on a C library without one
        } catch (ExceptionInInitializerError e) {
            throw e.getCause() instanceof UnsupportedOperationException u ? u : new UnsupportedOperationException(e.getCause());
        }
        int pidfd = pidfdOpen(ProcessHandle.current().pid(), Libc.newErrno(Arena.ofAuto()));
        if (pidfd < 0) throw new UnsupportedOperationException("pidfd_open not supported by this kernel (Linux 5.4+ needed)");
        close(pidfd, Libc.newErrno(Arena.ofAuto()));
        return new PosixSpawnLauncher(new Poller());
    }

    @Override
    public String describe() {
        return "posix_spawn, pidfd and epoll (one poller thread; output drained by virtual threads)";
    }

    @Override
    public Process start(List<String> argv, Map<String, String> environment, File directory) throws IOException {
        if (argv.isEmpty()) throw new IndexOutOfBoundsException("empty command");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.newErrno(arena);
            MemorySegment out = pipe(arena, errno);
            MemorySegment err;
            try {
                err = pipe(arena, errno);
            } catch (IOException e) {
                close(out.get(JAVA_INT, 0), errno);
                close(out.get(JAVA_INT, 4), errno);
                throw e;
            }
            int outRead = out.get(JAVA_INT, 0);
            int outWrite = out.get(JAVA_INT, 4);
            int errRead = err.get(JAVA_INT, 0);
            int errWrite = err.get(JAVA_INT, 4);
            long pid;
            try {
                pid = spawn(arena, argv, environment, directory, outWrite, errWrite);
            } catch (IOException | RuntimeException e) {
                close(outRead, errno);
                close(errRead, errno);
                throw e;
            } finally {
                close(outWrite, errno);
                close(errWrite, errno);
            }
            return watch(pid, outRead, errRead, errno);
        }
    }

    private NativeProcess watch(long pid, int outRead, int errRead, MemorySegment errno) throws IOException {
        PipeStream stdout = null;
        PipeStream stderr = null;
        int pidfd = -1;
        try {
            nonBlocking(outRead, errno);
            nonBlocking(errRead, errno);
            ProcessHandle handle = ProcessHandle.of(pid)
                    .orElseThrow(() -> new IOException("pid " + pid + " vanished right after its launch"));
            pidfd = pidfdOpen(pid, errno);
            if (pidfd < 0) throw new IOException("pidfd_open(" + pid + "): " + Libc.describe(Libc.errno(errno)));
            stdout = new PipeStream(poller, outRead);
            stderr = new PipeStream(poller, errRead);
            NativeProcess p = new NativeProcess(pid, handle, stdout, stderr);
            p.watch(poller, pidfd);
            return p;
        } catch (IOException | RuntimeException e) {
            // Launched but not watched: nobody would reap, drain or stop it.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            if (pidfd >= 0) close(pidfd, errno);
            if (stdout != null) stdout.close(); else close(outRead, errno);
            if (stderr != null) stderr.close(); else close(errRead, errno);
            throw e;
        }
    }

    private static long spawn(Arena arena, List<String> argv, Map<String, String> environment, File directory,
                              int outWrite, int errWrite) throws IOException {
        MemorySegment actions = arena.allocate(Libc.SPAWN_STRUCT_BYTES, 16);
        MemorySegment attr = arena.allocate(Libc.SPAWN_STRUCT_BYTES, 16);
        MemorySegment signals = arena.allocate(Libc.SPAWN_STRUCT_BYTES, 16);
        MemorySegment pid = arena.allocate(JAVA_INT);
        check("posix_spawn_file_actions_init", call(() -> (int) Libc.faInit.invokeExact(actions)));
        try {
            check("posix_spawnattr_init", call(() -> (int) Libc.attrInit.invokeExact(attr)));
            try {
                MemorySegment devNull = arena.allocateFrom("/dev/null");
                check("addopen", call(() -> (int) Libc.faAddOpen.invokeExact(actions, 0, devNull, Libc.O_RDONLY, 0)));
                check("adddup2", call(() -> (int) Libc.faAddDup2.invokeExact(actions, outWrite, 1)));
                check("adddup2", call(() -> (int) Libc.faAddDup2.invokeExact(actions, errWrite, 2)));
                if (directory != null) {
                    MemorySegment dir = arena.allocateFrom(directory.getPath());
                    check("addchdir_np", call(() -> (int) Libc.faAddChdir.invokeExact(actions, dir)));
                }
                check("addclosefrom_np", call(() -> (int) Libc.faAddClosefrom.invokeExact(actions, 3)));
                check("sigemptyset", call(() -> (int) Libc.sigemptyset.invokeExact(signals)));
                check("setsigmask", call(() -> (int) Libc.attrSetSigMask.invokeExact(attr, signals)));
                MemorySegment all = arena.allocate(Libc.SPAWN_STRUCT_BYTES, 16);
                check("sigfillset", call(() -> (int) Libc.sigfillset.invokeExact(all)));
                check("setsigdefault", call(() -> (int) Libc.attrSetSigDefault.invokeExact(attr, all)));
                short flags = (short) (Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF);
                check("setflags", call(() -> (int) Libc.attrSetFlags.invokeExact(attr, flags)));
                List<String> vars = new ArrayList<>(environment.size());
                environment.forEach((k, v) -> vars.add(k + "=" + v));
                MemorySegment args = strings(arena, argv);
                MemorySegment env = strings(arena, vars);
                MemorySegment file = args.getAtIndex(ADDRESS, 0);
                int rc = call(() -> (int) Libc.posixSpawnp.invokeExact(pid, file, actions, attr, args, env));
                if (rc != 0) {
                    throw new IOException("Cannot run program \"" + argv.get(0) + "\""
                            + (directory == null ? "" : " (in directory \"" + directory + "\")")
                            + ": error=" + rc + ", " + Libc.describe(rc));
                }
                return pid.get(JAVA_INT, 0);
            } finally {
                call(() -> (int) Libc.attrDestroy.invokeExact(attr));
            }
        } finally {
            call(() -> (int) Libc.faDestroy.invokeExact(actions));
        }
    }

    /**
     * A NULL-terminated array of C strings (UTF-8), in one allocation; a NUL inside one is refused, as the
     * JDK does.
     */
    private static MemorySegment strings(Arena arena, List<String> values) throws IOException {
        byte[][] encoded = new byte[values.size()][];
        long bytes = 0;
        for (int i = 0; i < encoded.length; i++) {
            String v = values.get(i);
            if (v.indexOf('\u0000') >= 0) throw new IOException("invalid null character in command or environment");
            encoded[i] = v.getBytes(StandardCharsets.UTF_8);
            bytes += encoded[i].length + 1;
        }
        long table = ADDRESS.byteSize() * (encoded.length + 1L);
        MemorySegment block = arena.allocate(table + bytes, ADDRESS.byteAlignment());
        long at = table;
        for (int i = 0; i < encoded.length; i++) {
            MemorySegment.copy(encoded[i], 0, block, JAVA_BYTE, at, encoded[i].length);
            block.set(JAVA_BYTE, at + encoded[i].length, (byte) 0);
            block.setAtIndex(ADDRESS, i, block.asSlice(at));
            at += encoded[i].length + 1;
        }
        block.setAtIndex(ADDRESS, encoded.length, MemorySegment.NULL);
        return block;
    }

    private static MemorySegment pipe(Arena arena, MemorySegment errno) throws IOException {
        MemorySegment fds = arena.allocate(JAVA_INT, 2);
        int rc = call(() -> (int) Libc.pipe2.invokeExact(errno, fds, Libc.O_CLOEXEC));
        if (rc != 0) throw new IOException("pipe2: " + Libc.describe(Libc.errno(errno)));
        return fds;
    }

    private static void nonBlocking(int fd, MemorySegment errno) throws IOException {
        int flags = call(() -> (int) Libc.fcntl.invokeExact(errno, fd, Libc.F_GETFL, 0));
        if (flags < 0 || call(() -> (int) Libc.fcntl.invokeExact(errno, fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK)) < 0) {
            throw new IOException("fcntl(O_NONBLOCK): " + Libc.describe(Libc.errno(errno)));
        }
    }

    private static int pidfdOpen(long pid, MemorySegment errno) {
        return (int) (long) call(() -> (long) Libc.syscall2.invokeExact(errno, Libc.SYS_PIDFD_OPEN, (int) pid, 0));
    }

    private static void close(int fd, MemorySegment errno) {
        call(() -> (int) Libc.close.invokeExact(errno, fd));
    }

    private static void check(String what, int rc) throws IOException {
        if (rc != 0) throw new IOException(what + ": " + Libc.describe(rc));
    }

    /** A downcall; what they throw is only {@code Error}s (their handles are exact). */
    private interface Call<T> {
        T run() throws Throwable;
    }

    private static <T> T call(Call<T> c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

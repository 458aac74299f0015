package dev.supervision.process.internal.launch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * The glibc functions and Linux constants the native launcher uses (x86-64 and AArch64; values checked
 * against glibc 2.36 headers). Every handle that sets {@code errno} takes a capture segment first
 * ({@link #newErrno}); {@link #read} may take a heap segment. Loading throws
 * {@link UnsupportedOperationException} naming what is missing. Restricted methods are used knowingly:
 * {@link PosixSpawnLauncher#load} refuses to load this class unless native access is enabled.
 */
@SuppressWarnings("restricted")
final class Libc {
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_SETPIPE_SZ = 1031;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final int ECHILD = 10;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLET = 1 << 31;
    static final short POLLIN = 0x001;
    static final int P_PIDFD = 3;
    static final int WEXITED = 4;
    static final int WNOHANG = 1;
    static final int CLD_EXITED = 1;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final long SYS_PIDFD_OPEN = 434;           // the same number on x86-64 and AArch64
    /** {@code posix_spawn_file_actions_t} is 80 bytes, {@code posix_spawnattr_t} 336, {@code sigset_t} 128: room to spare. */
    static final long SPAWN_STRUCT_BYTES = 512;
    static final long SIGINFO_BYTES = 128;
    static final long SIGINFO_CODE = 8;
    static final long SIGINFO_PID = 16;
    static final long SIGINFO_STATUS = 24;
    /** {@code struct epoll_event} is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
    static final boolean PACKED_EPOLL = System.getProperty("os.arch").equals("amd64");
    static final long EPOLL_EVENT_BYTES = PACKED_EPOLL ? 12 : 16;
    static final long EPOLL_DATA_OFFSET = PACKED_EPOLL ? 4 : 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    static final MethodHandle pipe2 = errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle close = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle read = LINKER.downcallHandle(find("read"), FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            ERRNO_OPTION, Linker.Option.critical(true));
    static final MethodHandle fcntl = LINKER.downcallHandle(find("fcntl"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO_OPTION, Linker.Option.firstVariadicArg(2));
    static final MethodHandle syscall2 = LINKER.downcallHandle(find("syscall"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT),
            ERRNO_OPTION, Linker.Option.firstVariadicArg(1));
    static final MethodHandle waitid = errno("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle poll = errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle epollCreate1 = errno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle epollCtl = errno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle epollWait = errno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle strerror = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle sigemptyset = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle sigfillset = plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    /** These return an error number rather than setting {@code errno}. */
    static final MethodHandle posixSpawnp = plain("posix_spawnp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle faInit = plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle faDestroy = plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle faAddOpen = plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle faAddDup2 = plain("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle faAddChdir = plain("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle faAddClosefrom = plain("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle attrInit = plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle attrDestroy = plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle attrSetFlags = plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    static final MethodHandle attrSetSigMask = plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle attrSetSigDefault = plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private Libc() {}

    /** A segment that receives {@code errno} after a call; one per thread that calls. */
    static MemorySegment newErrno(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** {@code strerror(n)}, e.g. "No such file or directory". */
    static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) strerror.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, ERRNO_OPTION);
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd);
    }

    private static MemorySegment find(String name) {
        Optional<MemorySegment> symbol = LOOKUP.find(name);
        return symbol.orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name + " (glibc 2.34+ needed)"));
    }
}

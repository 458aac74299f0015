package dev.supervision.process.internal.launch;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts process children: with {@code posix_spawn}, {@code pidfd} and {@code epoll} where this JVM allows
 * it (Linux x86-64 or AArch64 with glibc 2.34+, Java 22+, native access enabled for this module, e.g.
 * {@code --enable-native-access=ALL-UNNAMED}), otherwise with the JDK's {@link ProcessBuilder}. Both give
 * the same process: argv, environment, working directory, stdin from {@code /dev/null}, stdout and stderr
 * on pipes, no other descriptor inherited, the JDK's exit values (128 + n for signal n).
 *
 * <p>Why: the JDK launches every process through a helper program ({@code jspawnhelper}, two
 * {@code exec}s), watches each with a thread of its own and gives a blocking stream per pipe, so 100
 * children cost 300 threads. The native launcher execs once and watches every process and pipe from one
 * poller thread; output is drained by virtual threads that unmount while a pipe is empty.
 *
 * <p>The system property {@code supervision.process.launcher} chooses: {@code auto} (default: native
 * where possible), {@code jdk} (always {@code ProcessBuilder}); read at every launch. Thread-safe.
 */
public final class Launch {
    private static final Logger LOG = LoggerFactory.getLogger(Launch.class);
    /** The launcher implementation, compiled for Java 22 into the same package. */
    private static final String NATIVE_CLASS = "dev.supervision.process.internal.launch.PosixSpawnLauncher";
    static final String PROPERTY = "supervision.process.launcher";
    private static final Result NATIVE = load();

    private record Result(Optional<NativeLauncher> launcher, String why) {}

    private Launch() {}

    /**
     * Starts {@code pb}: natively when available and {@code pb} asks for what the native launcher gives
     * (stdin from a file, stdout and stderr on separate pipes), else {@code pb.start()}.
     */
    public static Process start(ProcessBuilder pb) throws IOException {
        Optional<NativeLauncher> launcher = launcher();
        if (launcher.isPresent()
                && pb.redirectInput().type() == ProcessBuilder.Redirect.Type.READ
                && pb.redirectInput().file().getPath().equals("/dev/null")
                && pb.redirectOutput() == ProcessBuilder.Redirect.PIPE
                && pb.redirectError() == ProcessBuilder.Redirect.PIPE
                && !pb.redirectErrorStream()) {
            return launcher.get().start(pb.command(), pb.environment(), pb.directory());
        }
        return pb.start();
    }

    /** The native launcher, unless unavailable or turned off by {@value #PROPERTY}. */
    public static Optional<NativeLauncher> launcher() {
        String choice = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        return choice.equals("jdk") ? Optional.empty() : NATIVE.launcher();
    }

    /** Whether children are launched natively in this JVM now (see {@link #launcher()}). */
    public static boolean isNative() {
        return launcher().isPresent();
    }

    /** How children are launched in this JVM now, for logs and tests. */
    public static String describe() {
        return launcher().map(NativeLauncher::describe)
                .orElse("JDK ProcessBuilder (" + (NATIVE.launcher().isPresent() ? PROPERTY + "=jdk" : NATIVE.why()) + ")");
    }

    private static Result load() {
        String choice = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        if (!choice.equals("auto") && !choice.equals("jdk")) {
            LOG.warn("system property {}={} is neither 'auto' nor 'jdk'; using 'auto'", PROPERTY, choice);
        }
        if (Runtime.version().feature() < 22) return new Result(Optional.empty(), "native launcher needs Java 22+");
        try {
            Object launcher = Class.forName(NATIVE_CLASS).getMethod("load").invoke(null);
            NativeLauncher l = (NativeLauncher) launcher;
            LOG.debug("process children: {}", l.describe());
            return new Result(Optional.of(l), "");
        } catch (InvocationTargetException e) {
            String why = String.valueOf(e.getCause().getMessage());
            LOG.debug("process children: JDK ProcessBuilder ({})", why);
            return new Result(Optional.empty(), why);
        } catch (ReflectiveOperationException | LinkageError e) {
            return new Result(Optional.empty(), "native launcher not built into this jar (" + e + ")");
        }
    }
}

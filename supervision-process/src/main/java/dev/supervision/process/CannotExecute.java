package dev.supervision.process;

import dev.supervision.FatalStartException;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command of a process child cannot be executed at all: the program does not exist, is not
 * executable, is not a program, or the working directory does not exist ({@code execve} failed with
 * {@code ENOENT}, {@code EACCES}, {@code ENOEXEC}, ...). Another attempt would fail the same way, so
 * the start is not retried ({@link FatalStartException}); a shell would exit with
 * {@link #shellStatus()}: 127 when the program (or directory) is not found, 126 when it is found but
 * cannot be executed. Immutable.
 */
public final class CannotExecute extends FatalStartException {
    private static final long serialVersionUID = 1L;
    /**
     * The errno and its text as the launchers write them: "error=2, No such file or directory" (the native
     * launcher, the JDK up to 21) or "Exec failed, error: 2 (No such file or directory)" (the JDK since 22).
     */
    private static final Pattern ERRNO = Pattern.compile("error=(\\d+), (.*)|error: (\\d+) \\((.*)\\)");
    /** errno values that no retry can fix: EPERM, ENOENT, E2BIG, ENOEXEC, EACCES, ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP. */
    private static final Set<Integer> FATAL = Set.of(1, 2, 7, 8, 13, 20, 21, 36, 40);
    private static final Set<Integer> NOT_FOUND = Set.of(2, 20, 36, 40);

    private final int errno;

    private CannotExecute(String message, int errno, IOException cause) {
        super(message, cause);
        this.errno = errno;
    }

    /**
     * The launch failure {@code e} as a {@code CannotExecute}, when it is one no retry can fix; empty for a
     * failure that may pass (out of memory or processes, a file busy being written).
     *
     * @param command the program, for the message
     */
    public static Optional<CannotExecute> of(String command, IOException e) {
        String text = String.valueOf(e.getMessage());
        if (text.contains("invalid null character")) {
            return Optional.of(new CannotExecute("cannot run '" + command + "': " + text + "; not retried", 0, e));
        }
        Matcher m = ERRNO.matcher(text);
        if (!m.find()) return Optional.empty();
        boolean oldForm = m.group(1) != null;
        int errno = Integer.parseInt(oldForm ? m.group(1) : m.group(3));
        if (!FATAL.contains(errno)) return Optional.empty();
        String why = (oldForm ? m.group(2) : m.group(4)).strip();
        int dir = text.indexOf("(in directory ");
        String where = dir < 0 ? "" : " " + text.substring(dir, text.indexOf(')', dir) + 1);
        return Optional.of(new CannotExecute("cannot run '" + command + "'" + where + ": " + why + " (errno " + errno
                + "); not retried: the command or its directory must be fixed", errno, e));
    }

    /** The {@code errno} of the failed {@code execve} (0 for a command refused before it, such as one holding NUL). */
    public int errno() {
        return errno;
    }

    /** What a shell would exit with: 127 when the program or directory was not found, 126 when it cannot be executed. */
    public int shellStatus() {
        return NOT_FOUND.contains(errno) ? 127 : 126;
    }
}

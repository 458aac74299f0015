package dev.supervision.process.crash;

import java.util.Optional;

/**
 * How an OS process ended, decoded from the exit value the JDK reports. The JDK gives a process killed
 * by signal {@code n} the exit value {@code 128 + n}; values 129..159 are therefore decoded as the
 * Linux signals 1..31 with their names (a process that itself calls {@code exit(137)} reads the same,
 * as it does for a shell).
 *
 * @param exitValue the value from {@link Process#exitValue()}
 */
public record ExitStatus(int exitValue) {
    private static final String[] NAMES = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    /** The signal number when the value is 128 + a Linux signal number (1..31). */
    public Optional<Integer> signal() {
        int n = exitValue - 128;
        return n >= 1 && n < NAMES.length ? Optional.of(n) : Optional.empty();
    }

    /** The signal's name, e.g. {@code SIGSEGV} for exit value 139. */
    public Optional<String> signalName() {
        return signal().map(n -> NAMES[n]);
    }

    @Override
    public String toString() {
        return signalName().map(s -> "killed by " + s + " (exit " + exitValue + ")").orElse("exit " + exitValue);
    }
}

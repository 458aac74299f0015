package dev.supervision.cli;

/** The exit statuses of {@code supervise}; docs/cli.md explains each. */
final class ExitCodes {
    /** Stopped cleanly by SIGTERM or SIGINT, or the tree shut itself down (auto-shutdown). */
    static final int OK = 0;
    /** An unexpected internal error (logged with its stack trace). */
    static final int INTERNAL = 1;
    /** Bad usage or configuration; nothing was started. */
    static final int USAGE = 2;
    /**
     * The tree gave up: restart intensity exceeded (max start retries used up). sysexits.h's
     * EX_TEMPFAIL ("try again later"): any non-zero status makes a container platform restart the
     * container, and this one cannot be mistaken for the usual exits of a wrapped program (1, 2, 126,
     * 127, 128 + signal).
     */
    static final int GAVE_UP = 75;
    /**
     * A configuration error that no restart can fix: a crash signature that rules restarts out (a missing or
     * gated model, a refused option, no GPU) at a start, or, for one wrapped command, at any time; a fatal exit
     * code of one wrapped command. sysexits.h's EX_CONFIG: unlike {@link #GAVE_UP}, retrying the same
     * configuration is pointless.
     */
    static final int CONFIG = 78;
    /** The command was found but cannot be executed (not executable, not a program), as a shell reports it. */
    static final int NOT_EXECUTABLE = 126;
    /** The command (or its working directory) was not found, as a shell reports it. */
    static final int NOT_LAUNCHED = 127;

    private ExitCodes() {}
}

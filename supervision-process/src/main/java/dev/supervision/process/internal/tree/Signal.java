package dev.supervision.process.internal.tree;

/**
 * The signals a stop may begin with, by their POSIX names (numbers differ between Linux and macOS, so
 * only names are used). {@link #TERM} and {@link #KILL} are sent through {@link ProcessHandle#destroy()}
 * and {@link ProcessHandle#destroyForcibly()}; the others through one {@code kill -s NAME pid...} exec.
 */
public enum Signal {
    /** SIGHUP. */
    HUP,
    /** SIGINT, what PM2 sends first. */
    INT,
    /** SIGQUIT. */
    QUIT,
    /** SIGKILL: cannot be caught; as a stop signal the stop timeout only bounds the wait for the processes to vanish. */
    KILL,
    /** SIGUSR1. */
    USR1,
    /** SIGUSR2. */
    USR2,
    /** SIGTERM, the default stop signal. */
    TERM;

    /** The conventional name, e.g. {@code SIGTERM}. */
    public String signalName() {
        return "SIG" + name();
    }
}

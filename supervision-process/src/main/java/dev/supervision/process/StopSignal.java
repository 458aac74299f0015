package dev.supervision.process;

/**
 * The signal sent to every process of a child's tree to ask it to stop. After the stop timeout,
 * whatever is left gets {@code SIGKILL} whatever this is.
 */
public enum StopSignal {
    /** SIGTERM (default), as systemd, Docker and supervisord send. */
    TERM,
    /** SIGINT, what Ctrl-C sends; Python programs raise {@code KeyboardInterrupt}. */
    INT,
    /** SIGHUP. */
    HUP,
    /** SIGQUIT (a JVM prints a thread dump and goes on). */
    QUIT,
    /** SIGUSR1. */
    USR1,
    /** SIGUSR2. */
    USR2
}

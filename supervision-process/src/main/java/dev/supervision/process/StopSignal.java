package dev.supervision.process;

/**
 * The signal sent to every process of a child's tree to ask it to stop. After the stop timeout,
 * whatever is left gets {@code SIGKILL} whatever this is.
 */
public enum StopSignal {
    /** SIGTERM (default), as systemd, Docker and supervisord send. */
    TERM(15),
    /** SIGINT, what Ctrl-C sends; Python programs raise {@code KeyboardInterrupt}. */
    INT(2),
    /** SIGHUP. */
    HUP(1),
    /** SIGQUIT (a JVM prints a thread dump and goes on). */
    QUIT(3),
    /** SIGUSR1. */
    USR1(10),
    /** SIGUSR2. */
    USR2(12);

    private final int number;

    StopSignal(int number) { this.number = number; }

    /** The Linux signal number. */
    public int number() { return number; }

    /** The name as {@code kill -s} takes it, e.g. {@code TERM}. */
    public String killName() { return name(); }
}

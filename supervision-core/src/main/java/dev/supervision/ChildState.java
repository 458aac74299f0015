package dev.supervision;

/** Lifecycle state of a child as seen by its supervisor. */
public enum ChildState {
    /** Its start was called and has not completed. */
    STARTING,
    /** Started and not exited. */
    RUNNING,
    /** Exited; a restart is scheduled at {@link ChildInfo#nextRestartIn()}. */
    RESTARTING,
    /** A stop was requested and the child has not exited yet. */
    STOPPING,
    /** Not running and no restart pending (terminated by request, transient after a normal exit, circuit open). */
    STOPPED,
    /** Gave up: its start failed, its circuit is open, or it exited with a {@link ExitReason.Fatal} reason. */
    FAILED
}

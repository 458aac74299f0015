package dev.supervision;

import java.time.Duration;

/**
 * Everything a supervisor reports, delivered to {@link SupervisorSpec.Builder#listener listeners} on
 * the supervisor's own loop thread, in order. Listeners must not block; an exception thrown by a
 * listener is logged and ignored.
 */
public sealed interface SupervisorEvent {
    /** Name of the supervisor that emitted the event. */
    String supervisor();

    record ChildStarted(String supervisor, String child) implements SupervisorEvent {}

    record ChildExited(String supervisor, String child, ExitReason reason) implements SupervisorEvent {}

    record RestartScheduled(String supervisor, String child, Duration delay, int attempt) implements SupervisorEvent {}

    record StartFailed(String supervisor, String child, Throwable cause) implements SupervisorEvent {}

    record IntensityExceeded(String supervisor, String child, int intensity, Duration period) implements SupervisorEvent {}

    record CircuitOpened(String supervisor, String child, Duration coolDown) implements SupervisorEvent {}

    record CircuitHalfOpen(String supervisor, String child) implements SupervisorEvent {}

    record CircuitClosed(String supervisor, String child) implements SupervisorEvent {}

    /** A child did not exit after its forced stop (a thread that ignores interrupts): it is left running and no longer supervised. */
    record ChildAbandoned(String supervisor, String child, String detail) implements SupervisorEvent {}

    record SupervisorTerminated(String supervisor, ExitReason reason) implements SupervisorEvent {}

    /**
     * Something a kind of child reports about itself through {@link dev.supervision.spi.ChildContext#notify}
     * (an OS process: orphans cleaned, ready, a probe failed, ...); {@code notice} is that kind's own
     * typed event.
     */
    record ChildNoticed(String supervisor, String child, ChildNotice notice) implements SupervisorEvent {}
}

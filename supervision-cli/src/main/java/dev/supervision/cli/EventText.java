package dev.supervision.cli;

import dev.supervision.ExitReason;
import dev.supervision.Human;
import dev.supervision.SupervisorEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A supervisor event in plain words, one sentence, for the operator ({@code supervise events}): the child named by
 * its path in the tree ({@code server}, {@code trainers/trainer}), durations as people write them ({@code 2 s}).
 */
final class EventText {
    private EventText() {}

    /** The child's path: its id under the root, {@code supervisor/id} under a nested supervisor. */
    static String path(String root, String supervisor, String child) {
        return supervisor.equals(root) ? child : supervisor + "/" + child;
    }

    static String sentence(String root, SupervisorEvent event) {
        return switch (event) {
            case SupervisorEvent.ChildStarted e -> path(root, e.supervisor(), e.child()) + ": started";
            case SupervisorEvent.ChildExited e -> path(root, e.supervisor(), e.child()) + ": " + exit(e.reason());
            case SupervisorEvent.RestartScheduled e -> path(root, e.supervisor(), e.child()) + ": restart " + e.attempt() + " in "
                    + Human.duration(e.delay());
            case SupervisorEvent.StartFailed e -> path(root, e.supervisor(), e.child()) + ": failed to start: " + message(e.cause());
            case SupervisorEvent.IntensityExceeded e -> e.supervisor() + ": gave up: more than " + e.intensity() + " restart(s) within "
                    + Human.duration(e.period()) + " (the last one of " + e.child() + ")";
            case SupervisorEvent.CircuitOpened e -> path(root, e.supervisor(), e.child()) + ": circuit open, next try in "
                    + Human.duration(e.coolDown());
            case SupervisorEvent.CircuitHalfOpen e -> path(root, e.supervisor(), e.child()) + ": circuit half open, trying once";
            case SupervisorEvent.CircuitClosed e -> path(root, e.supervisor(), e.child()) + ": circuit closed";
            case SupervisorEvent.ChildAbandoned e -> path(root, e.supervisor(), e.child()) + ": abandoned: " + e.detail();
            case SupervisorEvent.SupervisorTerminated e -> e.supervisor() + ": stopped (" + exit(e.reason()) + ")";
            case SupervisorEvent.ChildNoticed e -> path(root, e.supervisor(), e.child()) + ": " + e.notice().describe();
        };
    }

    /** {@code {"time", "type", "supervisor", "child", "text"}} ({@code child} absent for the supervisor's own events). */
    static Map<String, Object> json(String root, SupervisorEvent event, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", at.toString());
        m.put("type", event instanceof SupervisorEvent.ChildNoticed n ? n.notice().getClass().getSimpleName() : event.getClass().getSimpleName());
        m.put("supervisor", event.supervisor());
        String child = switch (event) {
            case SupervisorEvent.ChildStarted e -> e.child();
            case SupervisorEvent.ChildExited e -> e.child();
            case SupervisorEvent.RestartScheduled e -> e.child();
            case SupervisorEvent.StartFailed e -> e.child();
            case SupervisorEvent.IntensityExceeded e -> e.child();
            case SupervisorEvent.CircuitOpened e -> e.child();
            case SupervisorEvent.CircuitHalfOpen e -> e.child();
            case SupervisorEvent.CircuitClosed e -> e.child();
            case SupervisorEvent.ChildAbandoned e -> e.child();
            case SupervisorEvent.SupervisorTerminated e -> null;
            case SupervisorEvent.ChildNoticed e -> e.child();
        };
        if (child != null) m.put("child", child);
        m.put("text", sentence(root, event));
        return m;
    }

    private static String exit(ExitReason reason) {
        return switch (reason) {
            case ExitReason.Normal n -> "exited normally";
            case ExitReason.Shutdown s -> "stopped" + (s.detail().equals("shutdown") ? "" : ": " + s.detail().replace('_', ' '));
            case ExitReason.Failure f -> "crashed: " + message(f.cause());
            case ExitReason.Fatal f -> "failed for good, not restarted: " + message(f.cause());
            case ExitReason.RestartNow r -> "asked to be restarted now: " + r.detail();
        };
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}

package dev.supervision;

/**
 * A kind-specific event reported by a child (delivered as {@link SupervisorEvent.ChildNoticed}).
 * Kinds of child define their own immutable, preferably sealed, notice types implementing this.
 */
public interface ChildNotice {
    /** One line for logs, e.g. {@code ready after PT2.3S (http://127.0.0.1:8000/health)}. */
    String describe();
}

package dev.supervision;

/**
 * Anything that defines a child: a {@link ChildSpec}, its {@link ChildSpec.Builder builder}, or the spec of a
 * kind of child (an OS process's {@code ProcessSpec} and its builder). Everywhere a child is added —
 * {@link SupervisorSpec.Builder#child}, {@link Supervisor#startChild} — any of them is taken, so a child is
 * one builder chain whatever its kind.
 */
public interface ChildDefinition {
    /**
     * The child spec this defines. A builder builds it here, validating as its {@code build()} does and
     * throwing what that throws ({@link IllegalArgumentException} naming the field and value).
     */
    ChildSpec childSpec();
}

package dev.supervision;

/** When a child is restarted after it exits; OTP's {@code restart} child-spec field. */
public enum Restart {
    /** Always restarted (OTP default). */
    PERMANENT,
    /** Restarted only when it exits abnormally, i.e. with an {@link ExitReason.Failure}. */
    TRANSIENT,
    /** Never restarted; its spec is removed from the supervisor when it exits. */
    TEMPORARY
}

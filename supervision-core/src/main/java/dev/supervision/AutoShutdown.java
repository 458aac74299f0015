package dev.supervision;

/** OTP 24 {@code auto_shutdown}: whether significant children exiting terminate the supervisor. */
public enum AutoShutdown {
    /** Significant children are not allowed; the supervisor never shuts itself down (default). */
    NEVER,
    /** The supervisor shuts down when any significant child exits by itself. */
    ANY_SIGNIFICANT,
    /** The supervisor shuts down when all significant children have exited by themselves. */
    ALL_SIGNIFICANT
}

package dev.supervision.process.crash;

/**
 * What to do about a classified crash. This is data: the process child and its restart logic carry it
 * out (the mechanics of an adjusted command live there, not here). {@link #restart()} is the default.
 *
 * <p>All implementations are immutable records; the no-argument ones are best obtained from the
 * factories ({@link #restart()}, ...), though any instance of a record equals another of the same type.
 */
public sealed interface CrashAction {
    /** Restart as usual (backoff and intensity apply). */
    record Restart() implements CrashAction {
        @Override public String toString() { return "restart"; }
    }

    /**
     * Wait until the dead tree's memory (GPU or host) is released, then restart; waiting does not burn a
     * retry.
     */
    record WaitForMemoryThenRestart() implements CrashAction {
        @Override public String toString() { return "wait for memory, then restart"; }
    }

    /**
     * Restart with an adjusted command (smaller batch, fewer GPU layers, lower memory utilisation).
     *
     * @param hint what to adjust, for the adaptive-restart hook and for people; not blank
     */
    record RestartAdjusted(String hint) implements CrashAction {
        /** @throws IllegalArgumentException if {@code hint} is null or blank */
        public RestartAdjusted {
            if (hint == null || hint.isBlank()) {
                throw new IllegalArgumentException("RestartAdjusted.hint must say what to adjust, was "
                        + (hint == null ? "null" : "'" + hint + "'"));
            }
        }
        @Override public String toString() { return "restart adjusted (" + hint + ")"; }
    }

    /** Do not restart: the same command fails again (configuration error) or the hardware is faulty. */
    record DoNotRestart() implements CrashAction {
        @Override public String toString() { return "do not restart"; }
    }

    /**
     * Raise an alert (an event for a person), then do {@code then}.
     *
     * @param then what to do besides alerting; not null and not itself an alert
     */
    record Alert(CrashAction then) implements CrashAction {
        /** @throws IllegalArgumentException if {@code then} is null or an {@code Alert} */
        public Alert {
            if (then == null || then instanceof Alert) {
                throw new IllegalArgumentException("Alert.then must be a non-alert action, was " + then);
            }
        }
        @Override public boolean restarts() { return then.restarts(); }
        @Override public String toString() { return "alert, then " + then; }
    }

    /** Whether the child is started again (at once, after waiting or adjusted). */
    default boolean restarts() {
        return !(this instanceof DoNotRestart);
    }

    /** {@link Restart}. */
    static CrashAction restart() { return new Restart(); }

    /** {@link WaitForMemoryThenRestart}. */
    static CrashAction waitForMemoryThenRestart() { return new WaitForMemoryThenRestart(); }

    /** {@link RestartAdjusted} with this hint. */
    static CrashAction restartAdjusted(String hint) { return new RestartAdjusted(hint); }

    /** {@link DoNotRestart}. */
    static CrashAction doNotRestart() { return new DoNotRestart(); }

    /** {@link Alert}, then {@code then}. */
    static CrashAction alert(CrashAction then) { return new Alert(then); }
}

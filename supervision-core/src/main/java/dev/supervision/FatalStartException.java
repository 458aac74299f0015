package dev.supervision;

/**
 * A start failure that another attempt cannot fix (a configuration error, a missing model, a broken
 * GPU): a child start that fails with it (directly or as the cause of a {@link java.util.concurrent.CompletionException})
 * is not retried. Outside the supervisor's own start, the child is marked FAILED, is not counted toward
 * the intensity, and the rest of a restarting group still starts — the start-time counterpart of
 * {@link ExitReason.Fatal}. During the supervisor's own start it fails that start, like any start
 * failure (OTP). An explicit {@link Supervisor#restartChild} tries again.
 *
 * <p>Immutable; thread-safe.
 */
public class FatalStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and why another attempt would fail too
     * @param cause the underlying failure, or null
     */
    public FatalStartException(String message, Throwable cause) {
        super(message, cause);
    }
}

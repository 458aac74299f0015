package dev.supervision.journal.proxy;

/**
 * The proxy answered a request itself instead of with the server's answer: it was held past the hold deadline
 * (503), dead-lettered (502), its idempotency key names another request (422), or the journal could not store it
 * (503). What {@link ReplayingProxy#send} fails with; HTTP clients get the same as a status and a JSON error.
 */
public final class ProxyRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /**
     * @param status  the HTTP status an HTTP client gets for it
     * @param message why
     */
    public ProxyRefusal(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status an HTTP client gets for it. */
    public int status() {
        return status;
    }
}

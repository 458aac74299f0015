package dev.supervision.journal;

/**
 * A write about a request that another journal holds: its lease ran out here and another replica took it over (with a
 * higher fencing token), or it was never this journal's. Nothing was written; the holder finishes the request.
 */
public final class FencedException extends JournalException {
    private static final long serialVersionUID = 1L;

    public FencedException(String message) {
        super(message, null);
    }
}

package dev.supervision.journal;

/**
 * The journal could not do what was asked: its file cannot be opened (corrupt, not a journal, in use by another
 * process, unreadable), or a write could not be committed (a full disk, an I/O error). A write that fails with it
 * was not committed: nothing it carried may be acknowledged. The message names the file and what to do.
 */
public sealed class JournalException extends RuntimeException permits FencedException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the file
     * @param cause   the underlying error, or null
     */
    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}

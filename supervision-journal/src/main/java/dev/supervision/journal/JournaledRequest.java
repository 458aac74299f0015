package dev.supervision.journal;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request as the journal holds it: what was received and where it stands. An immutable snapshot.
 *
 * @param id        the journal's id for it (assigned when it was admitted; returned to the client)
 * @param request   what was received
 * @param state     where it stands
 * @param attempts  how many times it was sent upstream
 * @param createdAt when it was committed
 * @param updatedAt when its state last changed
 * @param lastError why the last attempt failed, or why it was dead-lettered or failed
 * @param response  the stored response, once COMPLETED (or FAILED with an answer)
 * @param lease     which journal owns it and until when ({@link Lease})
 */
public record JournaledRequest(String id, NewRequest request, RequestState state, int attempts, Instant createdAt,
                               Instant updatedAt, Optional<String> lastError, Optional<StoredResponse> response, Lease lease) {
    public JournaledRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(lease, "lease");
    }
}

package dev.supervision.journal;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A response as stored, returned byte for byte to a client that retries with the same idempotency key.
 * Immutable (the body is copied in and out).
 *
 * @param status  the HTTP status, 100..599
 * @param headers the response headers
 * @param body    the body (for a stream: every event as received, in order)
 */
public record StoredResponse(int status, List<Header> headers, byte[] body) {
    /** @throws IllegalArgumentException naming the status if it is not 100..599 */
    public StoredResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: expected 100..599, was " + status);
        }
        headers = List.copyOf(headers);
        body = Objects.requireNonNull(body, "body").clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredResponse r && status == r.status && headers.equals(r.headers) && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return status + " (" + body.length + " bytes)";
    }
}

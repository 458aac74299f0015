package dev.supervision.journal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A request as received, to be journaled before it is sent. Immutable (the body is copied in and out).
 *
 * @param idempotencyKey the client's {@code Idempotency-Key}, if it sent one: a request with the same key is the
 *                       same request (IETF draft httpapi-idempotency-key-header)
 * @param method         the HTTP method, e.g. {@code POST}
 * @param target         the request target: path and query, e.g. {@code /v1/chat/completions}
 * @param headers        the headers to send upstream again on a replay
 * @param body           the body, possibly empty
 */
public record NewRequest(Optional<String> idempotencyKey, String method, String target, List<Header> headers, byte[] body) {
    /**
     * @throws IllegalArgumentException naming the field if the key is blank or longer than 255 characters, the
     *                                  method is not an HTTP token, or the target does not start with '/'
     */
    public NewRequest {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        idempotencyKey.ifPresent(k -> {
            if (k.isBlank() || k.length() > 255) {
                throw new IllegalArgumentException("idempotencyKey: expected 1 to 255 characters, was " + k.length());
            }
        });
        Objects.requireNonNull(method, "method");
        if (method.isEmpty() || !method.chars().allMatch(c -> c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("method: expected an HTTP token such as POST, was '" + method + "'");
        }
        Objects.requireNonNull(target, "target");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("target: expected a path starting with '/', was '" + target + "'");
        }
        headers = List.copyOf(headers);
        body = Objects.requireNonNull(body, "body").clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * What identifies the payload for the idempotency check: SHA-256 over the method, the target and the body
     * (not the headers: a client's retry may differ in them). The same key with another fingerprint is a
     * different request (422 in the draft).
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + ' ' + target + '\n').getBytes(StandardCharsets.UTF_8));
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NewRequest r && idempotencyKey.equals(r.idempotencyKey) && method.equals(r.method)
                && target.equals(r.target) && headers.equals(r.headers) && java.util.Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(idempotencyKey, method, target, headers, java.util.Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return method + " " + target + " (" + body.length + " bytes" + idempotencyKey.map(k -> ", key " + k).orElse("") + ")";
    }
}

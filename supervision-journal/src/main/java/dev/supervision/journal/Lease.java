package dev.supervision.journal;

import java.time.Instant;
import java.util.Objects;

/**
 * Which journal owns a request now, and until when: every replica on a shared journal renews the leases of the requests
 * it owns; one whose lease ran out (its replica died, paused, lost the database) is taken over by another, with a higher
 * fencing token, and the first one's writes about it are refused from then on ({@link FencedException}).
 *
 * @param owner the owning journal's name ({@link JournalSpec#owner()})
 * @param token the fencing token: 1 at admission, one more at each takeover
 * @param until when the lease runs out unless renewed
 */
public record Lease(String owner, long token, Instant until) {
    public Lease {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(until, "until");
    }
}

package dev.supervision.process;

import dev.supervision.ChildDetails;
import java.time.Duration;
import java.time.Instant;

/**
 * What a running OS-process child reports in {@link dev.supervision.ChildInfo#details()}.
 *
 * @param pid         the main process's pid
 * @param started     when it was launched
 * @param uptime      time since launch, when the snapshot was taken
 * @param incarnation which start of the child this is (1 = first)
 * @param ready       whether its readiness probe passed (or {@code startSeconds} elapsed)
 */
public record ProcessDetails(long pid, Instant started, Duration uptime, long incarnation, boolean ready) implements ChildDetails {
    @Override
    public String summary() {
        return "pid=" + pid + " up=" + Duration.ofSeconds(uptime.toSeconds()) + " incarnation=" + incarnation
                + (ready ? " ready" : " not-ready");
    }
}

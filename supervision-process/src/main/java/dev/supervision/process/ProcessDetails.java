package dev.supervision.process;

import dev.supervision.ChildDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** {@code pid}, {@code startedAt} (ISO-8601 UTC), {@code uptimeMillis} and {@code ready}. */
    @Override
    public Map<String, Object> facts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pid", pid);
        facts.put("startedAt", started.toString());
        facts.put("uptimeMillis", uptime.toMillis());
        facts.put("ready", ready);
        return facts;
    }
}

package dev.supervision.cli;

import dev.supervision.ChildInfo;
import dev.supervision.ChildState;
import dev.supervision.CircuitState;
import dev.supervision.SupervisorEvent;
import dev.supervision.TreeSnapshot;
import dev.supervision.journal.JournalCounts;
import dev.supervision.process.ProcessDetails;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.internal.memory.MemorySampler;
import dev.supervision.process.internal.tree.ProcessScan;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /metrics}: the tree in Prometheus' text format (version 0.0.4). Per child ({@code tree}, {@code child}
 * labels; a nested child's {@code child} is {@code supervisor/id}): its state, whether it is up (running and ready),
 * restarts, crashes by kind, the circuit's state, the last start's time to ready, the resident memory of its process
 * tree; per replaying proxy, its journal's requests by state. Crash counts and readiness times are counted from the
 * tree's events since this CLI started. Thread-safe: events are counted on the supervisor's thread, read on the
 * endpoint's.
 */
final class Metrics {
    private final String root;
    private final Map<String, Map<String, AtomicLong>> crashes = new ConcurrentHashMap<>();
    private final Map<String, Double> readySeconds = new ConcurrentHashMap<>();

    Metrics(String root) {
        this.root = root;
    }

    /** Counts what the metrics need from an event (crashes, readiness). */
    void on(SupervisorEvent event) {
        if (!(event instanceof SupervisorEvent.ChildNoticed n)) return;
        String path = EventText.path(root, n.supervisor(), n.child());
        switch (n.notice()) {
            case ProcessEvent.Crashed c -> crashes.computeIfAbsent(path, p -> new ConcurrentHashMap<>())
                    .computeIfAbsent(c.report().kind(), k -> new AtomicLong()).incrementAndGet();
            case ProcessEvent.Ready r -> readySeconds.put(path, r.after().toNanos() / 1e9);
            default -> { }
        }
    }

    /** The exposition text for {@code tree} (null while no supervisor runs) and the proxies' journal counts. */
    String render(TreeSnapshot tree, Map<String, JournalCounts> proxies) {
        StringBuilder sb = new StringBuilder();
        List<Row> rows = new java.util.ArrayList<>();
        if (tree != null) rows(tree, "", rows);
        help(sb, "supervise_tree_running", "gauge", "1 while the tree's root supervisor runs.");
        sb.append("supervise_tree_running{tree=\"").append(esc(root)).append("\"} ").append(tree != null && tree.running() ? 1 : 0).append('\n');
        help(sb, "supervise_child_state", "gauge", "1 for the child's current state (STARTING, RUNNING, RESTARTING, STOPPED, ...).");
        for (Row r : rows) sample(sb, "supervise_child_state", r.path(), "state", r.info().state().name(), 1);
        help(sb, "supervise_child_up", "gauge", "1 when the child runs and, for a process, is ready.");
        for (Row r : rows) sample(sb, "supervise_child_up", r.path(), null, null, up(r.info()) ? 1 : 0);
        help(sb, "supervise_child_restarts_total", "counter", "Restarts of the child since the tree started.");
        for (Row r : rows) sample(sb, "supervise_child_restarts_total", r.path(), null, null, r.info().restarts());
        help(sb, "supervise_child_crashes_total", "counter", "Crashes of the child by kind (GPU_OOM, KILLED, ...) since this CLI started.");
        crashes.forEach((path, kinds) -> kinds.forEach((kind, n) -> sample(sb, "supervise_child_crashes_total", path, "kind", kind, n.get())));
        help(sb, "supervise_child_circuit_open", "gauge", "1 while the child's circuit breaker is open (no restarts), 0.5 half open.");
        for (Row r : rows) {
            double v = r.info().circuit() == CircuitState.OPEN ? 1 : r.info().circuit() == CircuitState.HALF_OPEN ? 0.5 : 0;
            sample(sb, "supervise_child_circuit_open", r.path(), null, null, v);
        }
        help(sb, "supervise_child_ready_seconds", "gauge", "How long the child's last start took to become ready.");
        readySeconds.forEach((path, s) -> sample(sb, "supervise_child_ready_seconds", path, null, null, s));
        help(sb, "supervise_child_resident_memory_bytes", "gauge", "Resident memory of the child's process and its descendants.");
        for (Row r : rows) {
            if (r.info().details().orElse(null) instanceof ProcessDetails d) {
                long rss = residentBytes(d.pid());
                if (rss >= 0) sample(sb, "supervise_child_resident_memory_bytes", r.path(), null, null, rss);
            }
        }
        help(sb, "supervise_proxy_requests", "gauge", "Requests in a replaying proxy's journal, by state.");
        proxies.forEach((child, c) -> {
            sample(sb, "supervise_proxy_requests", child, "state", "pending", c.pending());
            sample(sb, "supervise_proxy_requests", child, "state", "in_flight", c.inFlight());
            sample(sb, "supervise_proxy_requests", child, "state", "completed", c.completed());
            sample(sb, "supervise_proxy_requests", child, "state", "failed", c.failed());
            sample(sb, "supervise_proxy_requests", child, "state", "dead_lettered", c.deadLettered());
        });
        return sb.toString();
    }

    private record Row(String path, ChildInfo info) {}

    private static void rows(TreeSnapshot tree, String prefix, List<Row> out) {
        for (ChildInfo c : tree.children()) {
            out.add(new Row(prefix + c.id(), c));
            c.subtree().ifPresent(sub -> rows(sub, prefix + c.id() + "/", out));
        }
    }

    private static boolean up(ChildInfo c) {
        if (c.state() != ChildState.RUNNING) return false;
        return !(c.details().orElse(null) instanceof ProcessDetails d) || d.ready();
    }

    /** The resident memory of {@code pid} and its descendants (the process module's sampler), or -1 when it is gone. */
    static long residentBytes(long pid) {
        return ProcessScan.ref(pid).flatMap(MemorySampler::sample).map(MemorySampler.TreeMemory::rssBytes).orElse(-1L);
    }

    private static void help(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(StringBuilder sb, String name, String child, String label, String value, double v) {
        sb.append(name).append("{tree=\"").append(esc(root)).append("\",child=\"").append(esc(child)).append('"');
        if (label != null) sb.append(',').append(label).append("=\"").append(esc(value)).append('"');
        sb.append("} ");
        if (v == Math.rint(v) && Math.abs(v) < 1e15) sb.append((long) v);
        else sb.append(String.format(Locale.ROOT, "%.6g", v));
        sb.append('\n');
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}

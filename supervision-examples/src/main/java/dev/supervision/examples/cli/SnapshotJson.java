package dev.supervision.examples.cli;

import dev.supervision.ChildInfo;
import dev.supervision.ChildState;
import dev.supervision.TreeSnapshot;
import dev.supervision.process.ProcessDetails;

/**
 * A {@link TreeSnapshot} as JSON, for {@code GET /status}:
 * {@code {"name", "strategy", "running", "children": [{"id", "type", "restart", "state", "restarts",
 * "incarnation", "lastExit", "circuit", "nextRestartInMillis", "pid", "uptimeMillis", "ready",
 * "subtree"}]}}; absent facts are {@code null}.
 */
final class SnapshotJson {
    private SnapshotJson() {}

    static String of(TreeSnapshot tree) {
        StringBuilder sb = new StringBuilder();
        tree(sb, tree);
        return sb.toString();
    }

    /** True when every child, nested ones included, is RUNNING and, for a process, ready. */
    static boolean ready(TreeSnapshot tree) {
        if (!tree.running()) return false;
        for (ChildInfo c : tree.children()) {
            if (c.state() != ChildState.RUNNING) return false;
            if (c.details().orElse(null) instanceof ProcessDetails p && !p.ready()) return false;
            if (c.subtree().isPresent() && !ready(c.subtree().get())) return false;
        }
        return true;
    }

    private static void tree(StringBuilder sb, TreeSnapshot t) {
        sb.append("{\"name\":");
        string(sb, t.name());
        sb.append(",\"strategy\":\"").append(t.strategy()).append("\",\"running\":").append(t.running()).append(",\"children\":[");
        for (int i = 0; i < t.children().size(); i++) {
            if (i > 0) sb.append(',');
            child(sb, t.children().get(i));
        }
        sb.append("]}");
    }

    private static void child(StringBuilder sb, ChildInfo c) {
        ProcessDetails p = c.details().orElse(null) instanceof ProcessDetails d ? d : null;
        sb.append("{\"id\":");
        string(sb, c.id());
        sb.append(",\"type\":\"").append(c.type()).append("\",\"restart\":\"").append(c.restart())
          .append("\",\"state\":\"").append(c.state()).append("\",\"restarts\":").append(c.restarts())
          .append(",\"incarnation\":").append(c.incarnation()).append(",\"lastExit\":");
        if (c.lastExit().isPresent()) string(sb, c.lastExit().get().toString()); else sb.append("null");
        sb.append(",\"circuit\":\"").append(c.circuit()).append("\",\"nextRestartInMillis\":")
          .append(c.nextRestartIn().map(d -> String.valueOf(d.toMillis())).orElse("null"))
          .append(",\"pid\":").append(p == null ? "null" : String.valueOf(p.pid()))
          .append(",\"uptimeMillis\":").append(p == null ? "null" : String.valueOf(p.uptime().toMillis()))
          .append(",\"ready\":").append(p == null ? "null" : String.valueOf(p.ready()))
          .append(",\"subtree\":");
        if (c.subtree().isPresent()) tree(sb, c.subtree().get()); else sb.append("null");
        sb.append('}');
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch)); else sb.append(ch);
                }
            }
        }
        sb.append('"');
    }
}

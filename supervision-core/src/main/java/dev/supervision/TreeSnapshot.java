package dev.supervision;

import dev.supervision.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Immutable snapshot of a supervisor and, recursively, its nested supervisors. */
public record TreeSnapshot(String name, Strategy strategy, boolean running, List<ChildInfo> children) {
    public TreeSnapshot { children = List.copyOf(children); }

    /** Renders the tree as indented text, one line per node. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        render(sb, "");
        return sb.toString();
    }

    private void render(StringBuilder sb, String indent) {
        sb.append(indent).append(name).append(" [").append(strategy).append(running ? "" : ", terminated").append("]\n");
        for (ChildInfo c : children) {
            sb.append(indent).append("  - ").append(c.ref().name()).append(' ').append(c.state())
              .append(" restarts=").append(c.restarts());
            c.lastExit().ifPresent(e -> sb.append(" last=").append(e));
            if (c.circuit() != CircuitState.CLOSED) sb.append(" circuit=").append(c.circuit());
            c.nextRestartIn().ifPresent(d -> sb.append(" next-in=").append(d));
            c.details().ifPresent(d -> sb.append(' ').append(d.summary()));
            sb.append('\n');
            c.subtree().ifPresent(t -> t.render(sb, indent + "    "));
        }
    }

    /**
     * The tree as one line of compact JSON, for a status endpoint or a log shipper:
     * <pre>{@code
     * {"name", "strategy", "running", "children": [{"id", "name", "type", "restart", "state", "restarts",
     *   "incarnation", "lastExit", "circuit", "nextRestartInMillis", "details", "subtree"}]}
     * }</pre>
     * {@code name} of a child is its {@link ChildRef#name()} (unique in a dynamic supervisor, where {@code id}
     * is shared); {@code lastExit} is the exit reason as text; {@code details} is the running child's
     * {@link ChildDetails#facts()} (for an OS process {@code pid}, {@code startedAt}, {@code uptimeMillis},
     * {@code ready}); {@code subtree} is a nested supervisor's own tree. A fact that does not apply is
     * {@code null}. Strings are escaped so that the text is valid JSON and valid JavaScript for any name.
     *
     * @throws IllegalArgumentException if a child's {@link ChildDetails#facts()} holds a value of another type
     *                                  than those it documents
     */
    public String toJson() {
        return Json.write(asMap());
    }

    private Map<String, Object> asMap() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", name);
        tree.put("strategy", strategy.name());
        tree.put("running", running);
        List<Object> list = new ArrayList<>(children.size());
        for (ChildInfo c : children) {
            Map<String, Object> child = new LinkedHashMap<>();
            child.put("id", c.id());
            child.put("name", c.ref().name());
            child.put("type", c.type().name());
            child.put("restart", c.restart().name());
            child.put("state", c.state().name());
            child.put("restarts", c.restarts());
            child.put("incarnation", c.incarnation());
            child.put("lastExit", c.lastExit().map(Object::toString).orElse(null));
            child.put("circuit", c.circuit().name());
            child.put("nextRestartInMillis", c.nextRestartIn().map(d -> d.toMillis()).orElse(null));
            child.put("details", c.details().map(ChildDetails::facts).orElse(null));
            child.put("subtree", c.subtree().map(TreeSnapshot::asMap).orElse(null));
            list.add(child);
        }
        tree.put("children", list);
        return tree;
    }
}

package dev.supervision;

import java.util.List;

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
}

package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.internal.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TreeSnapshotJsonTest {
    private static ChildInfo child(String id, ChildState state, Optional<ChildDetails> details, Optional<TreeSnapshot> subtree) {
        return new ChildInfo(id, new ChildRef("root", id), subtree.isPresent() ? ChildType.SUPERVISOR : ChildType.WORKER,
                Restart.PERMANENT, state, 2, Optional.of(new ExitReason.Failure(new IllegalStateException("boom"))),
                CircuitState.CLOSED, state == ChildState.RESTARTING ? Optional.of(Duration.ofMillis(1500)) : Optional.empty(),
                3, subtree, details);
    }

    @Test
    void theTreeIsOneLineOfJsonWithEveryFactAndNestedTrees() {
        ChildDetails pid = new ChildDetails() {
            @Override public String summary() { return "pid=4242"; }

            @Override public Map<String, Object> facts() {
                Map<String, Object> facts = new LinkedHashMap<>();
                facts.put("pid", 4242L);
                facts.put("ready", false);
                facts.put("gpu", null);
                return facts;
            }
        };
        TreeSnapshot sub = new TreeSnapshot("sub", Strategy.ONE_FOR_ALL, true, List.of());
        TreeSnapshot tree = new TreeSnapshot("root \u2028 \"quoted\"", Strategy.ONE_FOR_ONE, true, List.of(
                child("llm", ChildState.RUNNING, Optional.of(pid), Optional.empty()),
                child("later", ChildState.RESTARTING, Optional.empty(), Optional.empty()),
                child("sub", ChildState.RUNNING, Optional.empty(), Optional.of(sub))));
        String json = tree.toJson();

        assertThat(json).doesNotContain("\n", "\u2028").startsWith("{\"name\":\"root \\u2028 \\\"quoted\\\"\",\"strategy\":\"ONE_FOR_ONE\"");
        Map<?, ?> back = (Map<?, ?>) Json.parse(json);
        assertThat(back.get("name")).isEqualTo(tree.name());
        assertThat(back.get("running")).isEqualTo(true);
        List<?> children = (List<?>) back.get("children");
        Map<?, ?> llm = (Map<?, ?>) children.get(0);
        assertThat(llm.keySet()).hasToString("[id, name, type, restart, state, restarts, incarnation, lastExit, circuit,"
                + " nextRestartInMillis, details, subtree]");
        assertThat(llm.get("state")).isEqualTo("RUNNING");
        assertThat(llm.get("restarts")).isEqualTo(2L);
        assertThat(llm.get("incarnation")).isEqualTo(3L);
        assertThat((String) llm.get("lastExit")).contains("boom");
        assertThat(llm.get("nextRestartInMillis")).isNull();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pid", 4242L);
        facts.put("ready", false);
        facts.put("gpu", null);
        assertThat(llm.get("details")).isEqualTo(facts);
        Map<?, ?> later = (Map<?, ?>) children.get(1);
        assertThat(later.get("nextRestartInMillis")).isEqualTo(1500L);
        assertThat(later.get("details")).isNull();
        Map<?, ?> nested = (Map<?, ?>) ((Map<?, ?>) children.get(2)).get("subtree");
        assertThat(nested.get("strategy")).isEqualTo("ONE_FOR_ALL");
        assertThat((List<?>) nested.get("children")).isEmpty();
    }

    @Test
    void aRunningSupervisorsSnapshotIsValidJson() {
        ManualScheduler clock = new ManualScheduler();
        TestChildren t = new TestChildren();
        Supervisor sup = Supervisor.start(SupervisorSpec.builder("root").scheduler(clock).shutdownHook(false)
                .child(t.worker("a")).child(ChildSpec.supervisor(SupervisorSpec.builder("sub").child(t.worker("b")).build())).build());
        try {
            Map<?, ?> back = (Map<?, ?>) Json.parse(sup.snapshot().join().toJson());
            List<?> children = (List<?>) back.get("children");
            assertThat(children.stream().map(c -> ((Map<?, ?>) c).get("name")).toList()).hasToString("[a, sub]");
            assertThat(((Map<?, ?>) ((Map<?, ?>) children.get(1)).get("subtree")).get("name")).isEqualTo("sub");
        } finally {
            sup.stop(Duration.ofSeconds(10));
        }
    }
}

package dev.supervision.process.internal.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.supervision.process.testing.LeftoverProcessCheck;
import dev.supervision.process.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(LeftoverProcessCheck.class)
class ProcessTagTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheFourVariablesFromANulSeparatedEnviron() {
        byte[] environ = ("PATH=/bin\0SUPERVISION_TREE=llm platform\0SUPERVISION_CHILD=vllm\0"
                + "SUPERVISION_INCARNATION=3\0X=a=b\0SUPERVISION_RUN=42-abc\0").getBytes(StandardCharsets.UTF_8);
        assertThat(ProcessTag.parse(environ)).contains(new ProcessTag("llm platform", "vllm", 3, "42-abc"));
    }

    @Test
    void anIncompleteOrMalformedTagIsNoTag() {
        assertThat(ProcessTag.parse("SUPERVISION_TREE=t\0SUPERVISION_CHILD=c\0SUPERVISION_RUN=r".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(ProcessTag.parse(("SUPERVISION_TREE=t\0SUPERVISION_CHILD=c\0SUPERVISION_INCARNATION=x\0"
                + "SUPERVISION_RUN=r").getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(ProcessTag.parse(new byte[0])).isEmpty();
    }

    @Test
    void applyToReplacesInheritedMarkers() {
        Map<String, String> env = new HashMap<>(Map.of("SUPERVISION_TREE", "outer", "SUPERVISION_EXTRA", "x", "HOME", "/root"));
        ProcessTag.of("inner", "c", 1).applyTo(env);
        assertThat(env).containsEntry("SUPERVISION_TREE", "inner").containsEntry("SUPERVISION_CHILD", "c")
                .containsEntry("SUPERVISION_INCARNATION", "1").containsEntry("SUPERVISION_RUN", ProcessTag.currentRun())
                .containsEntry("HOME", "/root").doesNotContainKey("SUPERVISION_EXTRA");
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc")
    void readsTheTagOfARunningProcessAndNothingOnceItIsGone() throws Exception {
        ProcessTag tag = ProcessTag.of(TestProcesses.tree("tag-read"), "sleeper", 7);
        Process p = TestProcesses.launch(tag, TestProcesses.script(dir, "s.sh", "exec sleep 60"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessTag.read(p.pid()).isPresent());
        assertThat(ProcessTag.read(p.pid())).contains(tag);
        p.destroyForcibly().waitFor();
        assertThat(ProcessTag.read(p.pid())).isEmpty();
        // This JVM's own tag is the one its environment holds: none when surefire started it, not the child's.
        String ownEnviron = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "\0")
                .collect(Collectors.joining());
        assertThat(ProcessTag.read(ProcessHandle.current().pid()))
                .isEqualTo(ProcessTag.parse(ownEnviron.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rejectsBlankFieldsNamingThem() {
        assertThatThrownBy(() -> ProcessTag.of(" ", "c", 1)).hasMessageContaining("tree");
        assertThatThrownBy(() -> ProcessTag.of("t", "a\0b", 1)).hasMessageContaining("child");
        assertThatThrownBy(() -> ProcessTag.of("t", "c", 0)).hasMessageContaining("incarnation");
    }
}

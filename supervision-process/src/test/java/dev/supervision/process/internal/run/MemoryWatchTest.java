package dev.supervision.process.internal.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashKind;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.crash.CrashClassifier;
import dev.supervision.process.testing.CgroupV2Fixture;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a SIGKILL death is classified by the cgroup's OOM-kill counter, on a cgroup v2 FIXTURE's {@code memory.events}. */
class MemoryWatchTest {
    private static final ExitStatus SIGKILL = new ExitStatus(137);

    @TempDir Path dir;

    @Test
    void aSigkillIsAKernelOomKillWhenTheV2FixturesCounterRoseAndOnlyAKillWhenItDidNot() throws Exception {
        CgroupV2Fixture cgroup = CgroupV2Fixture.create(dir, 2);
        // Only the OOM-kill counter of the watch is used: no spec, context, tree or process.
        MemoryWatch watch = new MemoryWatch(null, null, null, null, () -> false, trip -> { }, trip -> { });
        watch.readOomKills(Optional.of(cgroup.memoryEvents()));                               // as at the launch

        CrashClassifier still = new CrashClassifier(SignatureLibrary.builtIn());
        assertThat(watch.checkOomKill(still, SIGKILL)).isEqualTo("OOM kill not confirmed: the cgroup's oom_kill counter did not move"
                + " (2 in " + cgroup.memoryEvents() + ")");
        assertThat(still.verdict(SIGKILL)).map(CrashClassification::kind).contains(CrashKind.KILLED);

        cgroup.oomKills(3);
        CrashClassifier rose = new CrashClassifier(SignatureLibrary.builtIn());
        assertThat(watch.checkOomKill(rose, SIGKILL)).isEmpty();
        CrashClassification verdict = rose.verdict(SIGKILL).orElseThrow();
        assertThat(verdict.kind()).isEqualTo(CrashKind.KERNEL_OOM_KILL);
        assertThat(verdict.basis()).isEqualTo(CrashBasis.KERNEL_COUNTER);
        assertThat(verdict.cause().evidence()).isEqualTo("killed by SIGKILL (exit 137) while the cgroup's oom_kill counter rose"
                + " from 2 to 3 (" + cgroup.memoryEvents() + ")");
    }
}

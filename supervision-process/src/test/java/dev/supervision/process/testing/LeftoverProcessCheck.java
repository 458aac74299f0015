package dev.supervision.process.testing;

import dev.supervision.process.internal.tree.ProcessScan;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Asserts, once after all test classes of the run that use it, that no process tagged by this test JVM's
 * run or with one of its tree names (those of child JVMs) is alive. The check is an {@link AutoCloseable}
 * in the root store, which Jupiter closes at the end of the engine's execution; a failure there fails the
 * build. Leftovers are killed before failing, so a failing run does not leak either.
 */
public final class LeftoverProcessCheck implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(LeftoverProcessCheck.class, k -> new Check(), Check.class);
    }

    private static final class Check implements AutoCloseable {
        @Override
        public void close() {
            List<ProcessScan.TaggedProcess> left = ProcessScan.scan(
                    t -> t.isCurrentRun() || t.tree().startsWith(TestProcesses.TREE_PREFIX));
            if (!left.isEmpty()) {
                left.forEach(p -> ProcessHandle.of(p.process().pid()).ifPresent(ProcessHandle::destroyForcibly));
                throw new AssertionError("tagged processes alive after the test suite: " + left);
            }
        }
    }
}

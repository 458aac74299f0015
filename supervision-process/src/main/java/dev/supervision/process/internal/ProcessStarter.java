package dev.supervision.process.internal;

import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.ChildStarter;
import dev.supervision.spi.RunningChild;
import java.io.File;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Launches one incarnation of a process child. {@link #start} returns at once; the launch (fork/exec,
 * the first start's orphan cleanup) runs on a virtual thread, and the returned stage completes when
 * the process is ready.
 */
public final class ProcessStarter implements ChildStarter {
    private final ProcessSpec spec;

    public ProcessStarter(ProcessSpec spec) { this.spec = spec; }

    @Override
    public CompletionStage<RunningChild> start(ChildContext ctx) {
        CompletableFuture<RunningChild> result = new CompletableFuture<>();
        Thread.ofVirtual().name("supervision-launch-" + spec.id()).start(() -> {
            try {
                Orphans.cleanOnce(spec.stateDirectory(), ctx.supervisor(), notice -> ctx.notify(notice));
                ProcessBuilder pb = new ProcessBuilder(spec.argv());
                Map<String, String> env = pb.environment();
                if (!spec.inheritEnvironment()) env.clear();
                env.putAll(spec.environment());
                ProcessTree tree = ProcessTree.forIncarnation(spec.stateDirectory(), ctx.supervisor(), spec.id(), ctx.incarnation());
                tree.tag(env);
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                spec.workingDirectory().ifPresent(d -> pb.directory(d.toFile()));
                if (result.isDone()) return;               // cancelled before the launch
                Process process = pb.start();
                tree.launched(process);
                ctx.notify(new ProcessEvent.Launched(process.pid(), spec.argv()));
                new ProcessRun(spec, ctx, process, tree, result).begin();
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}

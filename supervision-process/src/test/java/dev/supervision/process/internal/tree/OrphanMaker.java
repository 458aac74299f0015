package dev.supervision.process.internal.tree;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A separate JVM for {@link OrphanCleanupTest}: launches tagged copies of a script, records each in the
 * ledger, prints {@code ready}, and waits to be killed with {@code kill -9}.
 *
 * <p>Arguments: state directory, tree name, number of children, script.
 */
public final class OrphanMaker {
    private OrphanMaker() {}

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        String tree = args[1];
        int children = Integer.parseInt(args[2]);
        Ledger ledger = new Ledger(stateDir, tree);
        for (int i = 0; i < children; i++) {
            ProcessTag tag = ProcessTag.of(tree, "child-" + i, 1);
            Process p = tag.applyTo(new ProcessBuilder("bash", args[3]))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            ledger.record(ProcessScan.ref(p.pid()).orElseThrow(), tag);
        }
        System.out.println("ready");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}

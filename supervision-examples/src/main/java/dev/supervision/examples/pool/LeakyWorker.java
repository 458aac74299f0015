package dev.supervision.examples.pool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake hyper-parameter-search worker for the worker-pool demo: it runs "trials" one after another
 * and, like the workers of the story this demo comes from, keeps a little of every trial's memory (a
 * leak of {@code --leak-mib-per-second}), off the Java heap and touched, so that its resident memory grows
 * by exactly that, smoothly. It never exits by itself.
 *
 * <pre>java -XX:MaxDirectMemorySize=2g dev.supervision.examples.pool.LeakyWorker [--leak-mib-per-second 10]</pre>
 */
public final class LeakyWorker {
    private LeakyWorker() {}

    public static void main(String[] args) throws Exception {
        int leak = args.length > 1 && args[0].equals("--leak-mib-per-second") ? Integer.parseInt(args[1]) : 10;
        List<ByteBuffer> kept = new ArrayList<>();
        for (int trial = 1; ; trial++) {
            for (int tenth = 0; tenth < 10; tenth++) {
                ByteBuffer b = ByteBuffer.allocateDirect((leak << 20) / 10);
                for (int i = 0; i < b.capacity(); i += 4096) b.put(i, (byte) trial);
                kept.add(b);
                Thread.sleep(100);
            }
            if (trial % 5 == 0) System.out.println("trial " + trial + " done, val_loss=" + String.format("%.4f", 1.0 / trial));
        }
    }
}

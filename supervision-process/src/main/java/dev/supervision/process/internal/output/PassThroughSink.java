package dev.supervision.process.internal.output;

import dev.supervision.process.output.StdStream;
import java.io.PrintStream;

/** Copies the lines of one stream to a PrintStream of this JVM, one write per read, so lines stay whole. */
final class PassThroughSink implements LineConsumer {
    private final PrintStream target;
    private byte[] scratch = new byte[64 * 1024];

    PassThroughSink(PrintStream target) {
        this.target = target;
    }

    @Override
    public void accept(StdStream stream, LineBatch lines) {
        int total = 0;
        for (int i = 0; i < lines.count(); i++) total += lines.length(i) + 1;
        if (scratch.length < total) scratch = new byte[total];
        int pos = 0;
        for (int i = 0; i < lines.count(); i++) {
            System.arraycopy(lines.buf, lines.start(i), scratch, pos, lines.length(i));
            pos += lines.length(i);
            scratch[pos++] = '\n';
        }
        target.write(scratch, 0, pos);
        target.flush();
    }
}

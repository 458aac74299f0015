package dev.supervision.process.internal.output;

import dev.supervision.process.output.StdStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Logs the lines of one stream; decodes a line only when the logger is enabled at the level. With no SLF4J provider
 * on the class path the lines would vanish without a word: the first such sink says so once on stderr.
 */
final class LoggerSink implements LineConsumer {
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private final Logger logger;
    private final Level level;

    LoggerSink(String childId, StdStream stream, Level level) {
        this.logger = LoggerFactory.getLogger("supervision.process." + childId + "." + stream.name().toLowerCase(Locale.ROOT));
        this.level = level;
        if (LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory && WARNED.compareAndSet(false, true)) {
            System.err.println("supervision: the output of process child '" + childId + "' goes to the logger sink (the default),"
                    + " but no SLF4J provider is on the class path, so its lines are lost; add one (org.slf4j:slf4j-simple,"
                    + " ch.qos.logback:logback-classic) or give the child OutputSink.passThrough() or a file sink");
        }
    }

    @Override
    public void accept(StdStream stream, LineBatch lines) {
        if (!logger.isEnabledForLevel(level)) return;
        for (int i = 0; i < lines.count(); i++) {
            String line = new String(lines.buf, lines.start(i), lines.length(i), StandardCharsets.UTF_8);
            switch (level) {
                case ERROR -> logger.error(line);
                case WARN -> logger.warn(line);
                case INFO -> logger.info(line);
                case DEBUG -> logger.debug(line);
                case TRACE -> logger.trace(line);
            }
        }
    }
}

package dev.supervision.process.internal.output;

import dev.supervision.process.output.StdStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Logs the lines of one stream; decodes a line only when the logger is enabled at the level. */
final class LoggerSink implements LineConsumer {
    private final Logger logger;
    private final Level level;

    LoggerSink(String childId, StdStream stream, Level level) {
        this.logger = LoggerFactory.getLogger("supervision.process." + childId + "." + stream.name().toLowerCase(Locale.ROOT));
        this.level = level;
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

package dev.supervision.cli;

import dev.supervision.internal.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.LoggingEventAware;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * How {@code supervise} writes its log, to stderr: one line per event, for an operator. The SLF4J provider of the
 * CLI (registered in {@code META-INF/services}), so the library's own logging goes through it too.
 *
 * <p>Plain (the default): {@code 2026-12-07 22:31:01.123 WARN  server: crashed — ...}, local time, the level, the
 * message; a child's output lines as {@code server | line}; colour (the level) only when stderr is a terminal and
 * {@code NO_COLOR} is not set. JSON ({@code --log-format json}): one object per line, {@code time} (UTC),
 * {@code level}, {@code message}, then the event's fields ({@code child}, {@code event}, ...), or for output lines
 * {@code child} and {@code stream}.
 *
 * <p>Which lines: the CLI's own at the chosen level; the children's output at the chosen level; the library's OTP-style
 * supervisor reports ({@code dev.supervision.Supervisor}) and its other INFO lines only at {@code debug} — the CLI
 * says each event once itself — and its warnings and errors always. Thread-safe: a line is written with one call.
 */
public final class CliLog implements SLF4JServiceProvider {
    /** The output format: plain lines for people, or JSON lines. */
    enum Format { PLAIN, JSON }

    private record Settings(Level level, boolean off, Format format, boolean colour) {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);
    private static volatile Settings settings = new Settings(Level.INFO, false, Format.PLAIN, false);
    private static final PrintStream ERR = System.err;

    private final ILoggerFactory factory = name -> new CliLogger(name);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /**
     * Sets the level ({@code trace} .. {@code error}, {@code off}) and the format; loggers made before take it too.
     * Colour when stderr is a terminal and {@code NO_COLOR} is unset.
     */
    static void configure(String level, Format format, Map<String, String> env) {
        boolean off = level.equals("off");
        Level l = off ? Level.ERROR : Level.valueOf(level.toUpperCase(Locale.ROOT));
        boolean colour = format == Format.PLAIN && terminal() && env.get("NO_COLOR") == null && !"dumb".equals(env.get("TERM"));
        settings = new Settings(l, off, format, colour);
    }

    /** Whether this JVM's console is a terminal ({@code Console.isTerminal()} from Java 22, else a console at all). */
    private static boolean terminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;                                     // Java 21: a console exists only on a terminal
        }
    }

    @Override public ILoggerFactory getLoggerFactory() { return factory; }

    @Override public IMarkerFactory getMarkerFactory() { return markers; }

    @Override public MDCAdapter getMDCAdapter() { return mdc; }

    @Override public String getRequestedApiVersion() { return "2.0.99"; }

    @Override public void initialize() { }

    /**
     * Whether logger {@code name} writes at {@code level}: the CLI's own and the children's output at the chosen level;
     * the library's OTP-style supervisor reports only at debug (the CLI says each event itself); the library's and
     * other libraries' other lines at warn and above, everything at debug.
     */
    static boolean enabled(String name, Level level, Level chosen) {
        if (level.toInt() < chosen.toInt()) return false;
        if (chosen.toInt() <= Level.DEBUG.toInt() || name.equals("supervise") || name.startsWith("supervision.process.")) return true;
        if (name.equals("dev.supervision.Supervisor")) return false;
        return level.toInt() >= Level.WARN.toInt();
    }

    /** One line of the log, as written. */
    static String line(Settings s, String logger, Level level, String message, List<KeyValuePair> fields, Throwable t, Instant at) {
        String child = null;
        String stream = null;
        if (logger.startsWith("supervision.process.")) {                  // a child's output: supervision.process.ID.stdout
            String rest = logger.substring("supervision.process.".length());
            int dot = rest.lastIndexOf('.');
            child = dot < 0 ? rest : rest.substring(0, dot);
            stream = dot < 0 ? "" : rest.substring(dot + 1);
        }
        if (s.format() == Format.JSON) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
            m.put("level", level.toString());
            m.put("message", message);
            if (child != null) {
                m.put("child", child);
                m.put("stream", stream);
            } else if (!logger.equals("supervise")) {
                m.put("logger", logger);
            }
            if (fields != null) {
                fields.forEach(kv -> m.put(kv.key, kv.value instanceof Integer || kv.value instanceof Long || kv.value instanceof Boolean
                        || kv.value == null ? kv.value : String.valueOf(kv.value)));
            }
            if (t != null) m.put("error", t.toString());
            return Json.write(m);
        }
        StringBuilder sb = new StringBuilder(40 + message.length());
        sb.append(TIME.format(LocalDateTime.ofInstant(at, ZoneId.systemDefault()))).append(' ');
        String name = String.format(Locale.ROOT, "%-5s", level);
        if (s.colour() && level.toInt() >= Level.WARN.toInt()) {
            sb.append(level == Level.ERROR ? "\033[31m" : "\033[33m").append(name).append("\033[0m");
        } else {
            sb.append(name);
        }
        sb.append(' ');
        if (child != null) sb.append(child).append(" | ");
        sb.append(message);
        if (t != null) {
            java.io.StringWriter trace = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(trace));
            sb.append('\n').append(trace.toString().stripTrailing());
        }
        return sb.toString();
    }

    /** A logger of the CLI: the level decided at each call, so that loggers made before {@link #configure} follow it. */
    private static final class CliLogger extends LegacyAbstractLogger implements LoggingEventAware {
        private static final long serialVersionUID = 1L;

        CliLogger(String name) {
            this.name = name;
        }

        private boolean enabled(Level level) {
            Settings s = settings;
            return !s.off() && CliLog.enabled(name, level, s.level());
        }

        @Override public boolean isTraceEnabled() { return enabled(Level.TRACE); }

        @Override public boolean isDebugEnabled() { return enabled(Level.DEBUG); }

        @Override public boolean isInfoEnabled() { return enabled(Level.INFO); }

        @Override public boolean isWarnEnabled() { return enabled(Level.WARN); }

        @Override public boolean isErrorEnabled() { return enabled(Level.ERROR); }

        @Override protected String getFullyQualifiedCallerName() { return null; }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            write(level, MessageFormatter.basicArrayFormat(pattern, args), null, t);
        }

        @Override
        public void log(LoggingEvent event) {
            if (!enabled(event.getLevel())) return;
            String message = MessageFormatter.basicArrayFormat(event.getMessage(),
                    event.getArguments() == null ? null : event.getArguments().toArray());
            write(event.getLevel(), message, event.getKeyValuePairs(), event.getThrowable());
        }

        private void write(Level level, String message, List<KeyValuePair> fields, Throwable t) {
            ERR.println(line(settings, name, level, message, fields, t, Instant.now()));
        }
    }
}

package dev.supervision.cli;

import dev.supervision.Backoff;
import dev.supervision.process.ProcessSpec;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the values of options, environment variables and configuration keys. Each throws
 * {@link ConfigException} with {@code where} (an option, a variable or a key path), the value and
 * what was expected.
 */
final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");
    private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern RANGE = Pattern.compile("(.+?)\\.\\.(.+)");

    private Values() {}

    /** {@code 500ms}, {@code 10s}, {@code 1.5m}, {@code 2h}, {@code 1d}; a bare number is seconds. */
    static Duration duration(String where, String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new ConfigException(where + ": expected a duration like 500ms, 10s, 5m or 1h, was '" + text + "'");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
        if (millis > Long.MAX_VALUE / 2) throw new ConfigException(where + ": duration too long, was '" + text + "'");
        return Duration.ofMillis(Math.round(millis));
    }

    /** A duration that must be more than zero. */
    static Duration positiveDuration(String where, String text) {
        Duration d = duration(where, text);
        if (d.isZero()) throw new ConfigException(where + ": expected a duration > 0, was '" + text + "'");
        return d;
    }

    /** {@code 8GiB}, {@code 512MiB}, {@code 2G} (= GiB), {@code 2GB} (10^9), {@code 1048576} (bytes); more than 0. */
    static long bytes(String where, String text) {
        Matcher m = BYTES.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new ConfigException(where + ": expected a size like 512MiB, 8GiB or 2GB, was '" + text + "'");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        double scale = switch (unit) {
            case "B" -> 1;
            case "K", "KI", "KIB" -> 1L << 10;
            case "M", "MI", "MIB" -> 1L << 20;
            case "G", "GI", "GIB" -> 1L << 30;
            case "T", "TI", "TIB" -> 1L << 40;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            default -> 1e12;   // TB
        };
        double value = Double.parseDouble(m.group(1)) * scale;
        if (value < 1 || value > Long.MAX_VALUE / 2) {
            throw new ConfigException(where + ": expected a size > 0 and < 4 EiB, was '" + text + "'");
        }
        return (long) value;
    }

    /** {@code true/false}, {@code on/off}, {@code yes/no}, {@code 1/0}, any case. */
    static boolean bool(String where, String text) {
        return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw new ConfigException(where + ": expected true or false (on/off, yes/no, 1/0), was '" + text + "'");
        };
    }

    /** A decimal number. */
    static double number(String where, String text) {
        try {
            double d = Double.parseDouble(text == null ? "" : text.trim());
            if (Double.isFinite(d)) return d;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(where + ": expected a number, was '" + text + "'");
    }

    /** A fraction in (0, 1), e.g. {@code 0.06}. */
    static double fraction(String where, String text) {
        double d = number(where, text);
        if (d <= 0 || d >= 1) throw new ConfigException(where + ": expected a fraction between 0 and 1 (exclusive), was " + text.trim());
        return d;
    }

    /** An integer in {@code min..max}. */
    static int integer(String where, String text, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(where + ": expected an integer in " + min + ".." + max + ", was '" + text + "'");
        }
        if (n < min || n > max) throw new ConfigException(where + ": expected an integer in " + min + ".." + max + ", was " + n);
        return n;
    }

    /**
     * {@code none} (restart at once), {@code 5s} (always 5 s), {@code 1s..30s} (exponential from 1 s to
     * 30 s with the process children's default 20 % jitter, reset after twice the cap of uptime).
     */
    static Backoff backoff(String where, String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("none")) return Backoff.none();
        Matcher range = RANGE.matcher(t);
        try {
            if (range.matches()) {
                Duration initial = positiveDuration(where, range.group(1));
                Duration cap = positiveDuration(where, range.group(2));
                return Backoff.exponential(initial, cap).withJitter(jitterOfDefault());
            }
            return Backoff.fixed(positiveDuration(where, t));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(where + ": expected none, a fixed delay like 5s or a range like 1s..30s, was '" + text + "'"
                    + (e instanceof IllegalArgumentException ? " (" + e.getMessage() + ")" : ""));
        }
    }

    private static double jitterOfDefault() {
        return ((Backoff.Exponential) ProcessSpec.DEFAULT_BACKOFF).jitter();
    }

    /** {@code host:port} ({@code [::1]:8080} for IPv6), the port 0..65535. */
    static java.net.InetSocketAddress address(String where, String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0) throw new ConfigException(where + ": expected host:port, e.g. 0.0.0.0:8080, was '" + text + "'");
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        return java.net.InetSocketAddress.createUnresolved(host, integer(where, text.substring(colon + 1), 0, 65535));
    }

    /** Names allowed for trees and children: they become directory and file names. */
    static String name(String where, String text) {
        if (text == null || !text.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException(where + ": expected 1 to 64 letters, digits, '-' or '_', was '" + text + "'");
        }
        return text;
    }
}

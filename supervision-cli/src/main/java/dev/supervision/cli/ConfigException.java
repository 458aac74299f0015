package dev.supervision.cli;

/**
 * A bad command line, environment variable or configuration file: the CLI prints the message (which
 * names where the value came from, the value and what was expected) and exits with
 * {@link ExitCodes#USAGE} without starting anything.
 */
final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) { super(message, null, false, false); }
}

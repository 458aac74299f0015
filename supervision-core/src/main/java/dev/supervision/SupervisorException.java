package dev.supervision;

/** A supervisor call that could not be honoured; {@link #code()} is OTP's error atom. */
public final class SupervisorException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public SupervisorException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public SupervisorException(String code, String message) { this(code, message, null); }

    /**
     * OTP's atom where OTP has one — {@code already_started}, {@code already_present}, {@code running},
     * {@code restarting}, {@code not_found}, {@code max_children}, {@code simple_one_for_one} — and ours:
     * {@code terminated}, {@code start_failed}, {@code timeout}, {@code interrupted}.
     */
    public String code() { return code; }
}

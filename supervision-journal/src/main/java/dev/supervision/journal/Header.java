package dev.supervision.journal;

import java.util.Objects;

/**
 * One HTTP header field as journaled. Immutable.
 *
 * @param name  the field name, as received; not blank, no ':' or line break
 * @param value the field value; no line break
 */
public record Header(String name, String value) {
    /**
     * @throws IllegalArgumentException naming the header if the name is blank or either part holds a character
     *                                  HTTP does not allow there (a line break; ':' in a name)
     */
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank() || name.indexOf(':') >= 0 || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("header name must be a token without ':' or a line break, was '" + name + "'");
        }
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("header '" + name + "': a value must not hold a line break");
        }
    }
}

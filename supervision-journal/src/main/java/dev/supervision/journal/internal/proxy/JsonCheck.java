package dev.supervision.journal.internal.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Whether a request body is well-formed JSON (RFC 8259), so that a malformed one is refused with where it goes
 * wrong before it is journaled, instead of being held and replayed into the same 400. Checks syntax only, with
 * a nesting limit; builds nothing. Stateless.
 */
final class JsonCheck {
    private static final int MAX_DEPTH = 128;

    private final String s;
    private int pos;
    private int depth;

    private JsonCheck(String s) {
        this.s = s;
    }

    /** Empty when {@code body} is one JSON value (surrounded by whitespace at most); else what is wrong and where. */
    static Optional<String> problem(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return Optional.of("not UTF-8");
        }
        JsonCheck c = new JsonCheck(text);
        try {
            c.space();
            c.value();
            c.space();
            if (c.pos != text.length()) throw c.error("more after the value");
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + pos);
    }

    private void space() {
        while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) pos++;
    }

    private char peek() {
        if (pos >= s.length()) throw error("unexpected end");
        return s.charAt(pos);
    }

    private void value() {
        char c = peek();
        switch (c) {
            case '{' -> container('}', true);
            case '[' -> container(']', false);
            case '"' -> string();
            case 't' -> word("true");
            case 'f' -> word("false");
            case 'n' -> word("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) number();
                else throw error("unexpected '" + c + "'");
            }
        }
    }

    private void container(char close, boolean object) {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
        pos++;
        space();
        if (peek() == close) {
            pos++;
            depth--;
            return;
        }
        while (true) {
            space();
            if (object) {
                if (peek() != '"') throw error("expected a member name");
                string();
                space();
                if (peek() != ':') throw error("expected ':'");
                pos++;
                space();
            }
            value();
            space();
            char c = peek();
            pos++;
            if (c == close) {
                depth--;
                return;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private void string() {
        pos++;
        while (true) {
            char c = peek();
            pos++;
            if (c == '"') return;
            if (c < 0x20) {
                pos--;
                throw error("raw control character in a string");
            }
            if (c == '\\') {
                char e = peek();
                pos++;
                if (e == 'u') {
                    for (int i = 0; i < 4; i++) {
                        if (Character.digit(peek(), 16) < 0) throw error("bad \\u escape");
                        pos++;
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw error("bad escape");
                }
            }
        }
    }

    private void word(String w) {
        if (!s.startsWith(w, pos)) throw error("unexpected '" + s.charAt(pos) + "'");
        pos += w.length();
    }

    private void number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') pos++;
        else digits();
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            digits();
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            digits();
        }
        if (pos == start) throw error("bad number");
    }

    private void digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
        if (pos == start) throw error("expected a digit");
    }
}

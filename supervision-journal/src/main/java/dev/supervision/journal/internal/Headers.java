package dev.supervision.journal.internal;

import dev.supervision.journal.Header;
import java.util.ArrayList;
import java.util.List;

/** Headers as stored: one {@code name: value} per line, as HTTP writes them (neither part may hold a line break). */
final class Headers {
    private Headers() {}

    static String write(List<Header> headers) {
        StringBuilder sb = new StringBuilder();
        for (Header h : headers) sb.append(h.name()).append(": ").append(h.value()).append('\n');
        return sb.toString();
    }

    static List<Header> read(String text) {
        List<Header> out = new ArrayList<>();
        if (text == null) return out;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            out.add(new Header(line.substring(0, colon), line.substring(colon + 2)));
        }
        return out;
    }
}

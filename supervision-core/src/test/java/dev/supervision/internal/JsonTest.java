package dev.supervision.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void everyJavaStringSurvivesARoundTripOnOneLine() {
        String nasty = "quote \" backslash \\ nl \n cr \r tab \t nul \0 del \u007f ls \u2028 ps \u2029"
                + " pair \uD83D\uDE00 lone-high \uD800 x lone-low \uDC00 end-high \uD83D";
        String json = Json.write(nasty);
        assertThat(json).doesNotContain("\n", "\r", "\u2028", "\u2029", "\0", "\u007f")
                .contains("\\u2028", "\\u2029", "\\ud800", "\\udc00", "\uD83D\uDE00");
        assertThat(json.chars().filter(c -> Character.isSurrogate((char) c)).count()).isEqualTo(2); // only the valid pair stays raw
        assertThat(Json.parse(json)).isEqualTo(nasty);
    }

    @Test
    void writesEveryDocumentedTypeAndReadsItBack() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("null", null);
        value.put("yes", true);
        value.put("int", 7);
        value.put("long", 9_000_000_000L);
        value.put("list", List.of("a", List.of()));
        value.put("map", Map.of("k", "v"));
        String json = Json.write(value);
        assertThat(json).isEqualTo("{\"null\":null,\"yes\":true,\"int\":7,\"long\":9000000000,\"list\":[\"a\",[]],\"map\":{\"k\":\"v\"}}");
        Map<String, Object> back = new LinkedHashMap<>(value);
        back.put("int", 7L); // integers read back as Long
        assertThat(Json.parse(json)).isEqualTo(back);
    }

    @Test
    void refusesATypeItDoesNotDocument() {
        assertThatThrownBy(() -> Json.write(Map.of("x", 1.5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot write a java.lang.Double as JSON");
    }

    @Test
    void readsNestingUpToTheLimitAndRefusesDeeper() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(ok)).isInstanceOf(List.class);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid JSON at offset " + (Json.MAX_DEPTH + 1) + ": nested deeper than 64 levels");
        String hostile = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(hostile)).hasMessageContaining("nested deeper than 64 levels");
        // siblings do not add up: depth is nesting, not the count of arrays
        String wide = "[" + String.join(",", Arrays.stream(new String[1000]).map(s -> "[[]]").toList()) + "]";
        assertThat((List<?>) Json.parse(wide)).hasSize(1000);
    }

    @Test
    void refusesMalformedTextWithTheOffset() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).hasMessage("invalid JSON at offset 8: trailing characters");
        assertThatThrownBy(() -> Json.parse("\"\\u+12a\"")).hasMessage("invalid JSON at offset 3: bad \\u escape");
        assertThatThrownBy(() -> Json.parse("\"\\u12\"")).hasMessageContaining("escape");
        assertThatThrownBy(() -> Json.parse("\"raw\nnewline\"")).hasMessageContaining("raw control character");
    }
}

package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every tree file shown in README.md and docs/ ({@code ```yaml} blocks with {@code children:}) is valid as written. */
class DocTreesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern YAML = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyTreeInTheDocsIsValid() throws Exception {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (var s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        int trees = 0;
        for (Path doc : docs) {
            Matcher m = YAML.matcher(Files.readString(doc));
            while (m.find()) {
                String yaml = m.group(1);
                if (!yaml.contains("children:")) continue;
                trees++;
                String where = ROOT.relativize(doc) + " at offset " + m.start();
                assertThatCode(() -> TreeConfig.parse(yaml, where, Optional.empty(), Path.of("/tmp/state"), new ChildLogs()))
                        .as(where).doesNotThrowAnyException();
            }
        }
        assertThat(trees).as("tree files found in README.md and docs/").isGreaterThanOrEqualTo(2);
    }
}

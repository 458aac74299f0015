package dev.supervision.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.Supervisor;
import dev.supervision.journal.Journal;
import dev.supervision.process.ProcessSpec;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles against the library as built. A block that
 * starts with its imports and declares a public class is compiled exactly as written, as a user would paste it;
 * other blocks get the imports of every public package: a block of statements is compiled as a method body,
 * a block that declares a type as a member class; {@code log} (an slf4j Logger), {@code router} (a
 * Runnable), {@code body} and {@code answer} (byte arrays) stand for what the surrounding application would have.
 */
class DocSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern DECLARES_TYPE = Pattern.compile("^(public |final |abstract |sealed )*(class|record|interface|enum) ",
            Pattern.MULTILINE);
    private static final Pattern PUBLIC_CLASS = Pattern.compile("^public (?:final )?class (\\w+)", Pattern.MULTILINE);
    private static final String IMPORTS = """
            import dev.supervision.*;
            import dev.supervision.journal.*;
            import dev.supervision.journal.proxy.*;
            import dev.supervision.process.*;
            import dev.supervision.process.crash.*;
            import dev.supervision.process.guard.*;
            import dev.supervision.process.output.*;
            import dev.supervision.process.preflight.*;
            import dev.supervision.process.probe.*;
            import java.net.*;
            import java.nio.file.*;
            import java.time.*;
            import java.util.*;
            import java.util.concurrent.*;
            import org.slf4j.*;
            """;

    @TestFactory
    Stream<DynamicTest> everyJavaBlockInTheDocsCompiles() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start()).lines().count() + 1;
                String where = ROOT.relativize(doc) + ":" + line;
                String code = m.group(1);
                tests.add(DynamicTest.dynamicTest(where, () -> assertCompiles(where, code)));
            }
        }
        assertThat(tests).as("java blocks found in README.md and docs/").hasSizeGreaterThanOrEqualTo(3);
        return tests.stream();
    }

    private static void assertCompiles(String where, String code) throws URISyntaxException {
        String source;
        String className;
        Matcher publicClass = PUBLIC_CLASS.matcher(code);
        if (code.startsWith("import ") && publicClass.find()) {        // a whole file, as a user would paste it
            source = code;
            className = publicClass.group(1);
        } else {
            boolean declaresType = DECLARES_TYPE.matcher(code).find();
            source = IMPORTS + "class Snippet {\n    static Logger log;\n    static Runnable router;\n    static byte[] body, answer;\n"
                    + (declaresType ? code : "    static void snippet() throws Exception {\n" + code + "\n    }\n") + "}\n";
            className = "Snippet";
        }
        JavaFileObject file = new SimpleJavaFileObject(java.net.URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override public CharSequence getCharContent(boolean ignoreEncodingErrors) { return source; }
        };
        String classpath = String.join(File.pathSeparator, location(Supervisor.class), location(ProcessSpec.class), location(Journal.class),
                location(Logger.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        Path out = Path.of("target", "doc-snippets").toAbsolutePath();
        boolean ok = javac.getTask(errors, null, null, List.of("-classpath", classpath, "-d", out.toString(), "-proc:none"),
                null, List.of(file)).call();
        assertThat(ok).as("the java block at %s compiles:%n%s%nas%n%s", where, errors, source).isTrue();
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

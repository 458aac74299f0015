package dev.supervision.process.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class OutputSpecTest {
    @Test
    void defaultsLogBothStreamsAtInfoWithAnEightKibLineLimitAndA200LineTail() {
        OutputSpec spec = OutputSpec.defaults();
        assertThat(spec.stdoutSinks()).containsExactly(new OutputSink.Logger(Level.INFO, Level.INFO));
        assertThat(spec.stderrSinks()).containsExactly(new OutputSink.Logger(Level.INFO, Level.INFO));
        assertThat(spec.maxLineLength()).isEqualTo(8192);
        assertThat(spec.tailLines()).isEqualTo(200);
        assertThat(spec.listeners()).isEmpty();
    }

    @Test
    void aBuiltSpecNeverChangesAndToBuilderDerivesAVariant() {
        OutputSpec.Builder builder = OutputSpec.builder().tailLines(10);
        OutputSpec spec = builder.build();
        builder.tailLines(20).listener((stream, line) -> { });
        assertThat(spec.tailLines()).isEqualTo(10);
        assertThat(spec.listeners()).isEmpty();

        OutputSpec variant = spec.toBuilder().stderrSinks(OutputSink.passThrough()).build();
        assertThat(variant.tailLines()).isEqualTo(10);
        assertThat(variant.sinks(StdStream.STDERR)).containsExactly(OutputSink.passThrough());
        assertThat(variant.sinks(StdStream.STDOUT)).isEqualTo(spec.stdoutSinks());
    }

    @Test
    void badValuesFailAtBuildNamingFieldValueAndExpectation() {
        assertThatThrownBy(() -> OutputSpec.builder().maxLineLength(10).build())
                .hasMessage("maxLineLength must be in 64..1048576 bytes, was 10");
        assertThatThrownBy(() -> OutputSpec.builder().tailLines(-1).build())
                .hasMessage("tailLines must be in 0..100000, was -1");
        assertThatThrownBy(() -> OutputSpec.builder().stdoutSinks().build())
                .hasMessageStartingWith("stdoutSinks must name at least one sink").hasMessageEndingWith("was empty");
        assertThatThrownBy(() -> OutputSpec.builder().stderrSinks(OutputSink.discard(), null).build())
                .hasMessage("stderrSinks[1] must be a sink, was null");
        assertThatThrownBy(() -> OutputSpec.builder().sinks(OutputSink.discard(), OutputSink.discard()).build())
                .hasMessageStartingWith("stdoutSinks must not repeat a sink");
        assertThatThrownBy(() -> OutputSpec.builder().listener(null).build())
                .hasMessage("listeners[0] must be a listener, was null");
    }

    @Test
    void rotatingFilesAreValidatedAloneAndAgainstTheLineLimit() {
        Path log = Path.of("out.log");
        assertThatThrownBy(() -> OutputSink.rotatingFile(log, 100, 3))
                .hasMessage("RotatingFile.maxBytes must be in 1024..1099511627776, was 100");
        assertThatThrownBy(() -> OutputSink.rotatingFile(log, 4096, -1))
                .hasMessage("RotatingFile.keep must be in 0..1000, was -1");
        assertThatThrownBy(() -> OutputSink.rotatingFile(null, 4096, 1))
                .hasMessage("RotatingFile.file must be a path, was null");
        assertThatThrownBy(() -> OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 4096, 1)).build())
                .hasMessage("RotatingFile.maxBytes must be more than maxLineLength + 1 (8193), was 4096 for out.log");
        assertThatThrownBy(() -> OutputSpec.builder().stdoutSinks(OutputSink.rotatingFile(log, 1 << 20, 1))
                .stderrSinks(OutputSink.rotatingFile(Path.of("./out.log"), 1 << 20, 2)).build())
                .hasMessageStartingWith("RotatingFile ./out.log must have the same maxBytes and keep for both streams");
        assertThatThrownBy(() -> OutputSink.logger(null, Level.INFO))
                .hasMessage("Logger.stdoutLevel must be a level, was null");
    }
}

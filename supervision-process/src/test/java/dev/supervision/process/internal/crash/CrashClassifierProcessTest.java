package dev.supervision.process.internal.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashKind;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.output.OutputPump;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.output.StdStream;
import dev.supervision.process.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashClassifierProcessTest {
    @TempDir
    Path dir;

    @Test
    void aTrainerPrintingACudaOomTracebackAndExiting1IsClassifiedGpuOomThroughTheRealPump() throws Exception {
        Path log = dir.resolve("oom.log");
        Files.write(log, CrashClassifierTest.lines("cuda-oom.log"));
        Path script = TestProcesses.script(dir, "trainer.sh", """
                for i in $(seq 1 2000); do echo "{'loss': 0.$i, 'grad_norm': 1.0, 'learning_rate': 2e-05, 'epoch': 0.01}"; done
                cat '%s' >&2
                exit 1""".formatted(log));
        CrashClassifier classifier = new CrashClassifier(SignatureLibrary.builtIn());
        Process p = new ProcessBuilder("bash", script.toString()).start();
        OutputPump pump = OutputPump.start("trainer", p, OutputSpec.builder().sinks(OutputSink.discard()).build(),
                List.of(classifier));

        pump.completion().get(1, TimeUnit.MINUTES);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        CrashClassification v = classifier.verdict(new ExitStatus(p.exitValue())).orElseThrow();

        assertThat(v.kind()).isEqualTo(CrashKind.GPU_OOM);
        assertThat(v.exit().exitValue()).isEqualTo(1);
        assertThat(v.cause().stream()).contains(StdStream.STDERR);
        assertThat(v.cause().lineNumber()).isEqualTo(12);
        assertThat(v.cause().evidence()).contains("Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB");
    }
}

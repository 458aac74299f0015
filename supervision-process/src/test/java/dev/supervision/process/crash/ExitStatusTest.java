package dev.supervision.process.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExitStatusTest {
    @Test
    void decodesSignalsFrom128PlusN() {
        assertThat(new ExitStatus(139).signalName()).contains("SIGSEGV");
        assertThat(new ExitStatus(137).signal()).contains(9);
        assertThat(new ExitStatus(143).toString()).isEqualTo("killed by SIGTERM (exit 143)");
        assertThat(new ExitStatus(42).signal()).isEmpty();
        assertThat(new ExitStatus(0).toString()).isEqualTo("exit 0");
    }

    @Test
    void aRealProcessKilledBySigkillReadsAsSigkill() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(new ExitStatus(p.exitValue()).signalName()).contains("SIGKILL");
    }
}

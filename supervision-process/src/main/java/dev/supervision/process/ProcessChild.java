package dev.supervision.process;

import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.process.internal.ProcessStarter;
import java.time.Duration;

/**
 * OS processes as children of any supervisor.
 *
 * {@snippet :
 * ChildSpec server = ProcessChild.spec(ProcessSpec.builder("llm")
 *         .command("vllm", "serve", "Qwen/Qwen2.5-7B-Instruct", "--port", "8000")
 *         .readiness(Probe.http("http://127.0.0.1:8000/health"))
 *         .liveness(Probe.Liveness.of(Probe.http("http://127.0.0.1:8000/health")))
 *         .build())
 *     .backoff(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30)))
 *     .build();
 * }
 *
 * <p>The returned builder is the core's: restart type, backoff and significance are set there as for
 * any child. Its start timeout is the process spec's; its shutdown timeout is the spec's stop timeout
 * plus {@link #STOP_MARGIN}, a backstop only: the process child itself sends the stop signal to its
 * whole tree, escalates to SIGKILL after the stop timeout, and reports its exit only when nothing of
 * the tree is left.
 *
 * <p>Unlike in-JVM children (OTP: restart at once), a process child has a backoff by default,
 * {@link #DEFAULT_BACKOFF}: a process that cannot start (a port not yet released, GPU memory not yet
 * freed, a failed preflight) must not burn the restart intensity in milliseconds. Set
 * {@code backoff(Backoff.none())} on the returned builder for OTP's immediate restarts.
 */
public final class ProcessChild {
    /** Added to the stop timeout for the supervisor's own shutdown timeout (a backstop). */
    public static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    /** Exponential from 500 ms to 30 s, up to 20 % jitter, reset after 60 s of uptime. */
    public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30)).withJitter(0.2);

    private ProcessChild() {}

    /** A child spec builder that runs {@code spec} as an OS process. */
    public static ChildSpec.Builder spec(ProcessSpec spec) {
        return ChildSpec.builder(spec.id(), new ProcessStarter(spec), ChildType.WORKER)
                .backoff(DEFAULT_BACKOFF)
                .startTimeout(spec.startTimeout())
                .shutdown(spec.stopTimeout().plus(STOP_MARGIN));
    }
}

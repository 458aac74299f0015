package dev.supervision.process.internal.run;

import dev.supervision.Human;
import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.probe.Probe;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Runs one attempt of a polled probe on a virtual thread. */
final class Probes {
    private static final int MAX_BODY = 1 << 20;

    private Probes() {}

    /**
     * The outcome of one attempt: {@code null} when it passed, else why not. It arrives within {@code timeout}
     * whatever the probe does ("timed out after ..."), while the attempt's thread may stay blocked longer (a
     * file on a hung network file system): {@code threadEnded} runs when it returns (before the outcome,
     * when that comes from the thread, so that the outcome's dependents may start the next attempt), and a
     * caller starts no new attempt before, so that stuck attempts never pile up.
     */
    static CompletableFuture<String> attempt(Probe probe, Duration timeout, Runnable threadEnded) {
        CompletableFuture<String> result = new CompletableFuture<>();
        result.completeOnTimeout("timed out after " + Human.duration(timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        Thread.ofVirtual().name("supervision-probe").start(() -> {
            String outcome;
            try {
                outcome = outcome(probe, timeout);
            } finally {
                threadEnded.run();
            }
            result.complete(outcome);
        });
        return result;
    }

    private static String outcome(Probe probe, Duration timeout) {
        try {
            return run(probe, timeout);
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            return "interrupted";
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    private static String run(Probe probe, Duration timeout) throws IOException, InterruptedException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        return switch (probe) {
            case Probe.Http h -> {
                HttpURLConnection c = (HttpURLConnection) h.uri().toURL().openConnection();
                c.setConnectTimeout(millis);
                c.setReadTimeout(millis);
                c.setUseCaches(false);
                c.setInstanceFollowRedirects(false);
                // The read timeout is per read: a server trickling its headers or body would hold this thread
                // for ever, so the connection is closed at the timeout too. Not on the timer thread: a close
                // waits for the stream's lock, which the reading thread holds while it waits for a byte.
                AtomicBoolean late = new AtomicBoolean();
                ScheduledFuture<?> deadline = ProcessTimers.after(timeout, () -> {
                    late.set(true);
                    Thread.ofPlatform().daemon().name("supervision-probe-close").start(c::disconnect);
                });
                try {
                    int status = c.getResponseCode();
                    if (status < 200 || status > 299) yield "HTTP status " + status;
                    if (h.bodyMatches().isEmpty()) yield null;
                    String body;
                    try (InputStream in = c.getInputStream()) {
                        body = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
                    }
                    yield h.bodyMatches().get().matcher(body).find() ? null : "body does not match /" + h.bodyMatches().get() + "/";
                } catch (IOException e) {
                    if (late.get()) yield "timed out after " + Human.duration(timeout);
                    throw e;
                } finally {
                    deadline.cancel(false);
                    c.disconnect();
                }
            }
            case Probe.Tcp t -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(t.host(), t.port()), millis);
                    yield null;
                }
            }
            case Probe.FileExists f -> Files.exists(f.path()) ? null : "no file " + f.path();
            case Probe.Command cmd -> {
                Process p = new ProcessBuilder(cmd.command()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    if (!p.waitFor(millis, TimeUnit.MILLISECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);     // a script's children too
                        yield "timed out after " + Human.duration(timeout);
                    }
                    yield p.exitValue() == 0 ? null : "exit " + p.exitValue();
                } finally {
                    p.destroyForcibly();
                }
            }
            case Probe.LogLine l -> throw new IllegalArgumentException("a log-line probe is matched on output, not polled");
        };
    }
}

package dev.supervision.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Run in its own JVM by {@link JournalCrashTest}: admits requests as fast as the journal commits them, 64 at a
 * time, and prints {@code acked <id>} for each once its commit completed, until it is killed.
 */
public final class JournalWriterMain {
    private JournalWriterMain() {}

    public static void main(String[] args) throws Exception {
        Journal journal = Journal.sqlite(JournalSpec.builder(Path.of(args[0])).build());
        System.out.println("open");
        System.out.flush();
        Semaphore window = new Semaphore(64);
        for (long i = 0; ; i++) {
            window.acquire();
            long n = i;
            journal.admit(new NewRequest(Optional.of("key-" + n), "POST", "/v1/completions", List.of(),
                    ("{\"prompt\":\"request " + n + "\"}").getBytes(StandardCharsets.UTF_8))).whenComplete((a, e) -> {
                        window.release();
                        if (e == null) {
                            synchronized (System.out) {
                                System.out.println("acked " + a.entry().id() + " " + n);
                                System.out.flush();
                            }
                        }
                    });
        }
    }
}

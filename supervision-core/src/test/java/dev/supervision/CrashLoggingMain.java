package dev.supervision;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Run in its own JVM by {@link CrashLoggingTest}, with slf4j-simple logging at INFO to stderr. */
public final class CrashLoggingMain {
    private CrashLoggingMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "worker-crash" -> {
                AtomicInteger runs = new AtomicInteger();
                CountDownLatch second = new CountDownLatch(1);
                Supervisor sup = Supervisor.start(SupervisorSpec.builder("app").shutdownHook(false).intensity(5, Duration.ofSeconds(5))
                        .child(ChildSpec.worker("parser", ctx -> {
                            if (runs.incrementAndGet() == 1) failParsing();
                            second.countDown();
                            Thread.sleep(60_000);
                        })).build());
                if (!second.await(10, TimeUnit.SECONDS)) throw new AssertionError("not restarted");
                sup.stop().join();
            }
            case "start-fails" -> {
                try {
                    Supervisor.start(SupervisorSpec.builder("app").shutdownHook(false)
                            .child(ChildSpec.builder("db", ctx -> CompletableFuture.failedFuture(new IOException("connection refused: db:5432")),
                                    ChildType.WORKER)).build());
                    throw new AssertionError("started");
                } catch (SupervisorException e) {
                    System.out.println("caught " + e.code());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("done");
    }

    private static void failParsing() {
        throw new IllegalStateException("bad input at row 7");
    }
}

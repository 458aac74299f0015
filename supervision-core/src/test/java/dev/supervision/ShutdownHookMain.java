package dev.supervision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Run in a separate JVM by {@link ShutdownHookTest}: a tree whose workers record their stop in a file. */
public final class ShutdownHookMain {
    private ShutdownHookMain() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        SupervisorSpec.Builder b = SupervisorSpec.builder("hooked");
        for (String id : new String[] {"first", "second", "third"}) {
            b.child(ChildSpec.worker(id, ctx -> {
                try {
                    Thread.currentThread().join();
                } finally {
                    Files.writeString(out, "stop:" + id + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }));
        }
        Supervisor.start(b.build());
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }
}

package dev.supervision.journal.proxy;

import dev.supervision.journal.Journal;
import dev.supervision.journal.JournalSpec;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Run in its own JVM by {@link ProxyKilledTest}: a proxy (not supervised: it probes the server's health) with its
 * journal, until it is killed. Prints {@code listening} once it is.
 *
 * <pre>ProxyMain journal-file listen-port upstream-uri</pre>
 */
public final class ProxyMain {
    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        Journal journal = Journal.sqlite(JournalSpec.builder(Path.of(args[0])).build());
        ReplayingProxy.start(journal, ProxySpec.builder(URI.create(args[2])).listen("127.0.0.1", Integer.parseInt(args[1])).build());
        System.out.println("listening");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}

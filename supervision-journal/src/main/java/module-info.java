/**
 * A durable request journal and a replaying proxy in front of a supervised OpenAI-compatible server:
 * every request is committed before it is sent, so none that was acknowledged is lost when the server, or
 * this JVM, dies. The {@code internal} packages are not exported.
 */
module dev.supervision.journal {
    requires transitive dev.supervision.process;
    requires transitive java.sql;
    requires org.xerial.sqlitejdbc;
    requires org.postgresql.jdbc;
    requires com.zaxxer.hikari;
    requires org.eclipse.jetty.client;
    requires org.eclipse.jetty.server;

    exports dev.supervision.journal;
    exports dev.supervision.journal.proxy;
}

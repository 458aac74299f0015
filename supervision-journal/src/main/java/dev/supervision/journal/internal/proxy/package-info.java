/**
 * The replaying proxy's implementation (not exported): {@code ClientHandler} (the Jetty handler: read, journal,
 * wait, answer), {@code Dispatcher} (the server's state, the queue of requests to send, crash attribution),
 * {@code Attempt} (one send upstream on the JDK's HttpClient, streaming events as they come), {@code Waiter}
 * (what a waiting client connection is told).
 */
package dev.supervision.journal.internal.proxy;

/**
 * Launching processes and reading their pipes (not exported): {@code Launch} picks the native launcher
 * (posix_spawn, pidfd and epoll through the FFM API, in src/main/java22) where this JVM allows it, the JDK's
 * {@code ProcessBuilder} elsewhere; both give the same process.
 */
package dev.supervision.process.internal.launch;

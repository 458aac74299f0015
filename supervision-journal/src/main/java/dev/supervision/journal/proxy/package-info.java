/**
 * The replaying proxy: {@link dev.supervision.journal.proxy.ReplayingProxy} stands in front of an
 * OpenAI-compatible server that is a process child of a supervision tree, journals every request before it is
 * sent, holds requests while the server restarts and replays them once it is ready again, answers a retry with the
 * same {@code Idempotency-Key} from the journal, and dead-letters a request that crashes the server on its own.
 * {@link dev.supervision.journal.proxy.ProxySpec} is how it is set up. Depends on {@code dev.supervision.journal}.
 */
package dev.supervision.journal.proxy;

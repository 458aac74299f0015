package dev.supervision.cli;

import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.proxy.ProxySpec;

/**
 * A replaying proxy the tree file asks for in front of one of its top-level children, started by the {@link Runner}
 * before the tree (so that it sees the child's first readiness) and stopped after it.
 *
 * @param child   the child's id
 * @param spec    the proxy
 * @param journal its journal (by default {@code <stateDirectory>/<tree>/journal-<child>.db})
 */
record ProxyPlan(String child, ProxySpec spec, JournalSpec journal) {}

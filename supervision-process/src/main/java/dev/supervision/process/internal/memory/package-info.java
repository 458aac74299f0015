/**
 * Memory (not exported): sampling a tree's RSS from {@code /proc} and GPU memory from {@code nvidia-smi},
 * the guards that compare them with their limits, the host's available memory and its emergency brake, the
 * waits before a restart for memory and GPU memory to come back, the cgroup's OOM-kill counter.
 */
package dev.supervision.process.internal.memory;

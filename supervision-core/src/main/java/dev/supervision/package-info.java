/**
 * Erlang/OTP supervision trees for the JVM. Describe a tree with {@link dev.supervision.SupervisorSpec}
 * (static, OTP's {@code supervisor}, or {@link dev.supervision.SupervisorSpec#dynamic dynamic}, Elixir's
 * {@code DynamicSupervisor}) and its children with {@link dev.supervision.ChildSpec} (or a kind's own spec,
 * any {@link dev.supervision.ChildDefinition}); start it with {@link dev.supervision.Supervisor#start}. A
 * running {@link dev.supervision.Supervisor} answers queries and child-management calls, reports
 * {@link dev.supervision.SupervisorEvent}s to listeners and renders a {@link dev.supervision.TreeSnapshot}.
 * docs/semantics.md lists where it differs from OTP and Elixir, and why.
 */
package dev.supervision;

package dev.supervision;

/** Whether a child is a worker or a nested supervisor; selects the default {@link Shutdown}. */
public enum ChildType { WORKER, SUPERVISOR }

package dev.supervision;

/** State of a child's circuit under {@link GiveUp.CircuitBreaker}; always CLOSED under ESCALATE. */
public enum CircuitState { CLOSED, OPEN, HALF_OPEN }

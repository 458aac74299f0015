package dev.supervision;

/** Restart strategy of a supervisor, exactly as OTP defines it. */
public enum Strategy {
    /** Only the exited child is restarted. */
    ONE_FOR_ONE,
    /** All other children are stopped in reverse start order, then all are started again in order. */
    ONE_FOR_ALL,
    /** The children started after the exited one are stopped in reverse order, then the exited
     *  child and they are started again in order. */
    REST_FOR_ONE
}

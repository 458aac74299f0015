/**
 * Memory guards: {@link dev.supervision.process.guard.GuardSpec} (limits on the RSS and GPU memory of a
 * process's whole tree, the wait for a dead tree's GPU memory), {@link dev.supervision.process.guard.HostMemoryFloor}
 * (the emergency brake shared by the children naming it) and {@link dev.supervision.process.guard.GuardTrip},
 * what a guard reports when it trips. Depends on no other package of this module's API.
 */
package dev.supervision.process.guard;

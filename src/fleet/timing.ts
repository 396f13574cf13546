/**
 * The fleet's clock, in one place. A task's lease lapses LEASE_MS after its agent's last heartbeat; any agent's next
 * heartbeat then re-queues it and an agent with a free slot claims it, so a dead agent's camera runs again within
 * LEASE_MS + 2 × HEARTBEAT_MS + the worker's start (≤ 15 s is the target). A lease that is too short would move
 * cameras away from an agent that was merely slow for a few seconds.
 */
export const LEASE_MS = 8000;
export const HEARTBEAT_MS = 1000;
/** The controller shows an agent as not answering once its heartbeat is this old (well before its leases lapse). */
export const AGENT_SILENT_MS = 3000;
export const CONTROLLER_LEASE_MS = 10_000;

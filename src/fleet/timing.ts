/**
 * The fleet's clock, in one place. A task's lease lapses LEASE_MS after its agent's last renewal; the next tick of any
 * agent then re-queues it (REAP) and, in the same tick, an agent with a free slot claims it, so a dead agent's camera
 * is claimed within LEASE_MS + HEARTBEAT_MS (+ CLAIM_AGAIN_MS for each further task of the same agent) and counts again
 * after the new worker's start (≤ 15 s in all is the target; README, bench:fleet). Agents renew every HEARTBEAT_MS, so a
 * lease survives four missed renewals in a row: an agent slowed down by a loaded host for a few seconds keeps its
 * cameras, and one whose renewal does fail late gets its lease back as long as no other agent has reaped it.
 */
export const LEASE_MS = 5000;
export const HEARTBEAT_MS = 1000;
/** After a claim, an agent with free slots looks at the queue again this soon (a dead agent's tasks come together). */
export const CLAIM_AGAIN_MS = 200;
/** The controller shows an agent as not answering once its heartbeat is this old (well before its leases lapse). */
export const AGENT_SILENT_MS = 2500;
export const CONTROLLER_LEASE_MS = 10_000;
/**
 * How often an agent sends a file's counting state (about 70 kB for a few people on screen) to the controller: a
 * re-queued file resumes from the newest one the controller stored, re-reading at most this much of the file. Its
 * worker writes one every second; sending each would be ten times the traffic and journal for seconds of re-reading.
 */
export const STATE_FORWARD_MS = 10_000;

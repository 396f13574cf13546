/**
 * The agent's clock for durations and deadlines (its leases, time-outs, how often something goes), in ms: monotonic,
 * so that the host's wall clock stepping back (an NTP correction, a VM resumed) cannot stretch a lease that has lapsed
 * and let a run's late crossings count beside the next run's. Wall-clock times stay where a time is shown or stored.
 * Passed in where the logic is pure, so that tests drive it with plain numbers.
 */
export type Clock = () => number;

export const monotonic: Clock = () => performance.now();

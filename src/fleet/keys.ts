/**
 * Every key of one fleet, under the prefix `<fleet>:` (so that several fleets share a Redis). The Lua scripts build
 * the same names from the prefix; this is the one place that spells them for the TypeScript side.
 *
 *   <fleet>:tasks            SET   ids of submitted tasks
 *   <fleet>:task:<id>        HASH  spec, kind, want (run|stop|cancel), state, agent, run, since, note, attempt, gen, start_frame,
 *                                 start_state (a file's counting state before start_frame, JSON, tens of kB; dropped when
 *                                 the task settles), start_mark (where in the counting order that state was taken,
 *                                 "<start_frame>|<seq>|<run>": after crossing seq of fleet run run; set and dropped with
 *                                 start_state, absent when not known; the claim notice carries it), last_run, last_agent,
 *                                 last_n (the run that ended last, its agent, its `end` entry's n)
 *   <fleet>:queue            ZSET  tasks waiting for an agent; score = when it may start (ms, Redis clock)
 *   <fleet>:running          SET   tasks held by an agent, checked by the reaper
 *   <fleet>:lease:<id>       STR   "<agent>|<run>" with PX: who runs the task; renewed by the agent's heartbeat, also
 *                                 while Redis has lost the task's hash (SUBMIT then adopts that run)
 *   <fleet>:agents           SET   agent names
 *   <fleet>:agent:<name>     HASH  host, pid, slots, used, cpu, rss, tasks (JSON: task → its worker's usage), mem_total,
 *                                 mem_free, load, seen, started, state
 *   <fleet>:agent-lock:<n>   STR   the live instance that holds an agent name, with PX
 *   <fleet>:events           STREAM everything agents report; consumer group "controller"
 *   <fleet>:acked            HASH  run → highest event sequence the controller has stored (agents trim their journals)
 *   <fleet>:controller       STR   the live controller, with PX
 *   <fleet>:unstored         STR   the live controller, with PX, while its store takes no writes: the agents treat the
 *                                 fleet as followed by no one (progress outside the sequence, one every 10 s)
 */
export function fleetKeys(fleet: string) {
  const p = `${fleet}:`;
  return {
    prefix: p,
    tasks: `${p}tasks`,
    task: (id: string) => `${p}task:${id}`,
    queue: `${p}queue`,
    running: `${p}running`,
    lease: (id: string) => `${p}lease:${id}`,
    agents: `${p}agents`,
    agent: (name: string) => `${p}agent:${name}`,
    events: `${p}events`,
    acked: `${p}acked`,
    controller: `${p}controller`,
    unstored: `${p}unstored`,
  };
}

export type FleetKeys = ReturnType<typeof fleetKeys>;

/** The consumer group of the controller on the events stream. */
export const CONTROLLER_GROUP = 'controller';

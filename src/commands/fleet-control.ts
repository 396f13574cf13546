import type { RunConfig, TaskSpec } from '../config/types.js';
import { RedisConnection } from '../fleet/connect.js';
import { FleetController } from '../fleet/controller.js';
import { FleetError } from '../fleet/errors.js';
import { FleetTransport } from '../fleet/fleet-transport.js';
import { checkName, parseRedisUrl, passwordInArgvWarning } from '../fleet/redis-url.js';
import { StoreSink } from '../fleet/store-sink.js';
import { wireToSpec } from '../fleet/task-wire.js';
import type { Store } from '../store/store.js';

/** `run --redis URL`: this run controls a fleet; its pool runs the tasks through the fleet transport. */
export interface FleetControl {
  transport: FleetTransport;
  /** The config's tasks, then the tasks the fleet is running that the config does not name (a changed config). */
  tasks: TaskSpec[];
  /** Once the pool has begun: reads every agent's events into the store, from where the last controller stopped. */
  read(store: Store): Promise<void>;
  /** Frees the fleet for the next controller; its tasks go on unless the run stopped them. */
  close(): Promise<void>;
}

export type OpenedFleet = { ok: true; fleet: FleetControl } | { ok: false; message: string; code: number };

/**
 * Connects to the fleet's Redis (checked as for an agent), takes the fleet's controller lease (waiting out a dead
 * controller's), and adopts what the fleet runs beyond the config, so that every running task is shown and stored.
 * `warn`: a headless run's stderr, for what the dashboard's fleet panel would show and needs the operator.
 */
export async function openFleet(
  config: NonNullable<RunConfig['fleet']>,
  configTasks: TaskSpec[],
  urlInArgv: boolean,
  warn?: (line: string) => void,
): Promise<OpenedFleet> {
  let conn: RedisConnection | null = null;
  try {
    const fleet = checkName('--fleet', config.name);
    const target = parseRedisUrl(config.redis);
    const warning = urlInArgv ? passwordInArgvWarning('run', target) : null;
    if (warning) process.stderr.write(warning);
    conn = await RedisConnection.open(target, 'pcount-controller');
    const controller = await FleetController.attach({ conn, fleet });
    const views = await controller.tasks();
    const finished = await controller.finishedRuns(configTasks, views);
    const transport = new FleetTransport({ controller, conn, fleet, finished, warn });
    const known = new Set(configTasks.map((t) => t.id));
    const others = views.filter((t) => !known.has(t.id) && (t.state === 'queued' || t.state === 'running'));
    const adopted: TaskSpec[] = [];
    for (const text of (await controller.specs(others.map((t) => t.id))).values()) {
      const checked = text === null ? null : wireToSpec(text, false);
      if (checked?.ok) adopted.push(checked.spec);
    }
    const opened = conn;
    return {
      ok: true,
      fleet: {
        transport,
        tasks: [...configTasks, ...adopted],
        async read(store) {
          transport.watch();
          await controller.read(new StoreSink(store, transport), (message) => transport.readProblem(message));
        },
        async close() {
          transport.close();
          await controller.detach();
          await opened.close();
        },
      },
    };
  } catch (err) {
    await conn?.close();
    if (err instanceof FleetError) return { ok: false, message: err.message, code: err.exitCode };
    throw err;
  }
}

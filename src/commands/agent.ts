import { availableParallelism, homedir, hostname } from 'node:os';
import path from 'node:path';
import type { AgentArgs } from './options.js';
import { Agent } from '../fleet/agent.js';
import { RedisConnection } from '../fleet/connect.js';
import { FleetError } from '../fleet/errors.js';
import { DEFAULT_JOURNAL_BYTES, Journal } from '../fleet/journal.js';
import { DEFAULT_FLEET } from '../config/defaults.js';
import { checkName, parseRedisUrl, passwordInArgvWarning, REDIS_PASSWORD_ENV } from '../fleet/redis-url.js';
import { STOP_SIGNALS } from '../common/signal-latch.js';

/** `pcount-tui agent --redis URL`: runs the fleet's tasks on this host until Ctrl-C or SIGTERM. */
export async function run(argv: AgentArgs): Promise<number> {
  const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  try {
    const target = parseRedisUrl(argv.redis);
    const warning = passwordInArgvWarning('agent', target);
    if (warning) process.stderr.write(warning);
    // Workers inherit the environment; the password is the agent's alone.
    delete process.env[REDIS_PASSWORD_ENV];
    const fleet = checkName('--fleet', argv.fleet ?? DEFAULT_FLEET);
    const name = checkName('--name', argv.name ?? defaultAgentName());
    const slots = argv.slots ?? availableParallelism();
    const maxMb = argv.journalMaxMb ?? DEFAULT_JOURNAL_BYTES / 1024 / 1024;
    const journalDir = argv.journal !== undefined ? path.resolve(argv.journal) : defaultJournalDir(fleet, name);
    // The journal first: a folder that cannot be used is this host's problem, found without a word to Redis.
    const journal = openJournal(journalDir, maxMb * 1024 * 1024, argv.keepJournal === true, argv.journal !== undefined);
    const conn = await RedisConnection.open(target, `pcount-agent:${name}`).catch((err: unknown) => {
      journal.close();
      throw err;
    });
    let killAll = () => {};
    try {
      const agent = new Agent({ conn, fleet, name, slots, journal, logLevel: argv.logLevel ?? 'info', say: (l) => say(`agent ${name}: ${l}`) });
      killAll = () => agent.killAll();
      process.on('exit', killAll);
      await agent.start();
      // Listening before saying ready: whoever waits for `ready` and then sends SIGTERM gets a hand-back, not the
      // default action (the process killed at once), however the two processes are scheduled.
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      say(`agent ${name}: ready: fleet '${fleet}' on ${target.display}, ${slots} slot${slots === 1 ? '' : 's'}, journal ${journalDir}`);
      const signal = await stopped;
      // A second signal while handing back: leave at once (the exit handler kills the workers), with that signal's status.
      process.once('SIGINT', () => process.exit(STOP_SIGNALS.SIGINT));
      process.once('SIGTERM', () => process.exit(STOP_SIGNALS.SIGTERM));
      await agent.shutdown(`${signal}`);
      say(`agent ${name}: stopped`);
      return 0;
    } finally {
      await conn.close();
      process.off('exit', killAll);
    }
  } catch (err) {
    if (!(err instanceof FleetError)) throw err;
    process.stderr.write(`pcount-tui agent: ${err.message}\n`);
    return err.exitCode;
  }
}

/** The journal, or a FleetError naming its folder (a file in the way, no permission, a full disk). */
function openJournal(dir: string, maxBytes: number, keepAcked: boolean, given: boolean): Journal {
  try {
    return new Journal(dir, maxBytes, keepAcked);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EEXIST' || e.code === 'ENOTDIR' ? 'a file is in the way' : (e.code ?? e.message);
    throw new FleetError('JOURNAL_UNUSABLE', `${given ? '--journal' : 'the journal folder'} ${dir} cannot be used (${why})`);
  }
}

/** The host name, reduced to what an agent name may hold. */
function defaultAgentName(): string {
  return hostname().replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'agent';
}

function defaultJournalDir(fleet: string, name: string): string {
  const state = process.env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state');
  return path.join(state, 'pcount-tui', 'journal', fleet, name);
}

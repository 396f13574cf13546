import { createClient } from '@redis/client';
import { backoffDelay, type BackoffPolicy } from '../common/backoff.js';
import { Listeners } from '../orchestrator/listeners.js';
import { FleetError } from './errors.js';
import type { RedisTarget } from './redis-url.js';

/** Streams with consumer groups came with Redis 5.0. */
export const MIN_REDIS_VERSION: readonly [number, number] = [5, 0];
/** Commands beyond the basics that fleet mode sends; a server that renamed or lacks one is refused up front. */
export const REQUIRED_COMMANDS = ['XADD', 'XREADGROUP', 'XACK', 'XCLAIM', 'XPENDING', 'XGROUP', 'XRANGE', 'XDEL', 'XTRIM', 'XINFO', 'EVAL', 'EVALSHA', 'TIME', 'INFO'] as const;

/**
 * What the server offers beyond Redis 5.0. Redis 6.2 brought XAUTOCLAIM (one call takes over a dead controller's
 * unacknowledged events) and XTRIM MINID (drops everything before an id); on 5.0–6.0 the event reader does the same
 * with XPENDING + XCLAIM and XRANGE + XDEL.
 */
export interface RedisFeatures {
  autoclaim: boolean;
  trimMinId: boolean;
}

/** The features of a server of this version (null: INFO did not say); one older than 5.0 is refused. */
export function featuresFor(version: readonly [number, number, number] | null, where: string): RedisFeatures {
  const [major, minor] = MIN_REDIS_VERSION;
  if (!version || version[0] < major || (version[0] === major && version[1] < minor)) {
    const found = version ? version.join('.') : 'unknown';
    throw new FleetError('REDIS_TOO_OLD', `${where} is version ${found}; fleet mode needs Redis ≥ ${major}.${minor} (streams with consumer groups)`);
  }
  return featuresOf(version);
}

export function featuresOf(version: readonly [number, number, number]): RedisFeatures {
  const since62 = version[0] > 6 || (version[0] === 6 && version[1] >= 2);
  return { autoclaim: since62, trimMinId: since62 };
}
const CONNECT_TIMEOUT_MS = 5000;
/** A command without an answer for this long means the connection is dead even if the socket looks open. */
const COMMAND_TIMEOUT_MS = 5000;
/**
 * Once connected, the delays between reconnect attempts: at most a second, so that a Redis that comes back is used
 * within one; jittered, so that a fleet's agents, which all lose a restarted Redis at once, do not all come back at once.
 */
const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: 1000 };

export type RedisReply = string | number | null | RedisReply[];
export type RedisState = 'up' | 'down';

/**
 * One connection to the fleet's Redis (RESP2, so that replies are plain arrays and older servers can be told apart
 * by their version instead of failing the handshake). It fails fast on the first connect, with a message that names
 * the problem; after that it reconnects for ever and reports its state.
 */
export class RedisConnection {
  state: RedisState = 'down';
  /** Set from the server's version when the connection is checked (open); duplicates share it. */
  features: RedisFeatures = featuresOf([5, 0, 0]);
  /** When the connection last changed state (ms since epoch). */
  since = Date.now();
  lastError = '';
  /** State changes after the first connect, with why it went down. */
  readonly changes = new Listeners<{ state: RedisState; detail: string }>();
  private connectedOnce = false;
  private closed = false;
  private recycling = false;
  private client: ReturnType<typeof createClient>;

  private constructor(
    readonly target: RedisTarget,
    private readonly clientName: string,
  ) {
    this.client = this.makeClient();
  }

  /** Connects and checks the server (version, commands, eviction policy). Throws a FleetError with a clear message. */
  static async open(target: RedisTarget, clientName: string): Promise<RedisConnection> {
    const conn = new RedisConnection(target, clientName);
    await conn.connect();
    try {
      await checkServer(conn);
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  /** A second connection to the same server, for blocking reads that would hold up everything else. */
  async duplicate(clientName: string): Promise<RedisConnection> {
    const other = new RedisConnection(this.target, clientName);
    other.features = this.features;
    await other.connect();
    return other;
  }

  private makeClient(): ReturnType<typeof createClient> {
    const client = createClient({
      RESP: 2,
      name: this.clientName,
      socket: {
        host: this.target.host,
        port: this.target.port,
        tls: this.target.tls,
        connectTimeout: CONNECT_TIMEOUT_MS,
        // The first connect fails at once (the caller reports why); later losses are retried for ever.
        // `retries` counts from 0.
        reconnectStrategy: (retries: number, cause: Error) =>
          this.connectedOnce && !this.closed ? backoffDelay(retries + 1, RECONNECT_BACKOFF) : cause,
      },
      username: this.target.username,
      password: this.target.password,
      database: this.target.db,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    } as Parameters<typeof createClient>[0]);
    client.on('error', (err: Error) => client === this.client && this.setState('down', this.scrub(err.message)));
    client.on('ready', () => client === this.client && this.setState('up', 'connected'));
    return client;
  }

  /**
   * A command got no answer although the socket looks open: the network between here and Redis is cut (no reset
   * comes back through a cut). Start over on a new socket, as for any other loss.
   */
  private recycle(): void {
    if (this.recycling || this.closed) return;
    this.recycling = true;
    this.setState('down', `no answer from Redis within ${COMMAND_TIMEOUT_MS / 1000} s`);
    const old = this.client;
    this.client = this.makeClient();
    old.destroy();
    this.client
      .connect()
      .catch(() => undefined)
      .finally(() => (this.recycling = false));
  }

  get ready(): boolean {
    return this.state === 'up';
  }

  async send(args: (string | number)[]): Promise<RedisReply> {
    try {
      return (await this.client.sendCommand(args.map(String))) as RedisReply;
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') this.recycle();
      throw err;
    }
  }

  /** Several commands in one round trip (the client pipelines commands sent together); each a reply or its error. */
  async pipeline(commands: (string | number)[][]): Promise<(RedisReply | Error)[]> {
    const settled = await Promise.allSettled(commands.map((c) => this.send(c)));
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.client.destroy();
    } catch {
      // Already closed by a failed first connect.
    }
  }

  /** Removes the password from anything that may be shown, in case a server or library echoes it. */
  scrub(text: string): string {
    const pw = this.target.password;
    return pw ? text.split(pw).join('***') : text;
  }

  private async connect(): Promise<void> {
    // The socket's connect timeout ends at the TCP connect: a port that accepts and never answers the handshake (a
    // hung server, another service, a proxy) would otherwise be waited on for ever, without a word.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer to the handshake'), { name: 'ConnectionTimeoutError' })), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.client.connect(), deadline]);
      this.connectedOnce = true;
    } catch (err) {
      await this.close();
      throw describeConnectError(this.target, err, (s) => this.scrub(s));
    } finally {
      clearTimeout(timer);
    }
  }

  private setState(state: RedisState, detail: string): void {
    if (state === 'down') this.lastError = detail;
    if (state === this.state || !this.connectedOnce) {
      if (!this.connectedOnce) this.state = state;
      return;
    }
    this.state = state;
    this.since = Date.now();
    this.changes.emit({ state, detail });
  }
}

function rootCause(err: unknown): Error & { code?: string } {
  let e = err as Error & { code?: string; cause?: unknown };
  while (e && e.cause instanceof Error && !e.code) e = e.cause as Error & { code?: string; cause?: unknown };
  return e;
}

/** A first-connect failure as a message that says what to do, never with the password. */
export function describeConnectError(target: RedisTarget, err: unknown, scrub: (s: string) => string): FleetError {
  const e = rootCause(err);
  const text = scrub(e?.message ?? String(err));
  const where = `Redis at ${target.display}`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return new FleetError('REDIS_AUTH', `${where} refused the user name or password (${text.split(' ')[0]})`);
  }
  if (/wrong number of arguments for 'auth'/i.test(text)) {
    return new FleetError('REDIS_AUTH', `${where} knows no user names (ACLs came with Redis 6.0): give the password only (PCOUNT_REDIS_PASSWORD, or redis://:PASSWORD@host)`);
  }
  if (/NOAUTH|Authentication required/i.test(text)) {
    return new FleetError('REDIS_AUTH', `${where} needs a password: put it in the environment variable PCOUNT_REDIS_PASSWORD (or in the URL)`);
  }
  if (/^DENIED.*protected mode/i.test(text)) {
    return new FleetError('REDIS_AUTH', `${where} accepts connections from its own host only (protected mode): give it a password (requirepass, then PCOUNT_REDIS_PASSWORD here)`);
  }
  if (/unknown command 'HELLO'|unknown command `HELLO`/i.test(text)) {
    return new FleetError('REDIS_TOO_OLD', `${where} is older than Redis ${MIN_REDIS_VERSION.join('.')}, which fleet mode needs`);
  }
  const code = e?.code ?? /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.exec(text)?.[1];
  switch (code) {
    case 'ECONNREFUSED':
      return new FleetError('REDIS_UNREACHABLE', `cannot reach ${where}: connection refused (is redis-server running and listening there?)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FleetError('REDIS_UNREACHABLE', `cannot reach ${where}: host ${target.host} not found`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FleetError('REDIS_UNREACHABLE', `cannot reach ${where}: no route to host`);
  }
  if (e?.name === 'ConnectionTimeoutError' || /timeout/i.test(text)) {
    return new FleetError('REDIS_UNREACHABLE', `cannot reach ${where}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
  }
  if (/closed unexpectedly|Unknown RESP type|wrong version number|packet length too long|ECONNRESET/i.test(text)) {
    const hint = target.tls ? 'is it a plain Redis port? then use redis://' : 'does it expect TLS? then use rediss://';
    return new FleetError('REDIS_UNREACHABLE', `${where} closed the connection during the handshake (${hint})`);
  }
  return new FleetError('REDIS_UNREACHABLE', `cannot use ${where}: ${text}`);
}

/** `redis_version:7.0.15` from INFO; `[major, minor, patch]`. */
export function parseVersion(info: string): [number, number, number] | null {
  const m = /^redis_version:(\d+)\.(\d+)(?:\.(\d+))?/m.exec(info);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

export function infoField(info: string, field: string): string | null {
  const m = new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(info);
  return m ? m[1] : null;
}

/** Refuses a server fleet mode cannot rely on: too old, missing commands, or allowed to evict keys. */
export async function checkServer(conn: RedisConnection): Promise<void> {
  const where = `Redis at ${conn.target.display}`;
  const server = String(await conn.send(['INFO', 'server']));
  conn.features = featuresFor(parseVersion(server), where);
  const required = [...REQUIRED_COMMANDS, ...(conn.features.autoclaim ? ['XAUTOCLAIM'] : [])];
  const infos = (await conn.send(['COMMAND', 'INFO', ...required])) as RedisReply[];
  const missing = required.filter((_, i) => infos[i] === null);
  if (missing.length > 0) {
    throw new FleetError('REDIS_MISSING_COMMAND', `${where} does not offer ${missing.join(', ')} (disabled or renamed in its configuration); fleet mode needs them`);
  }
  const memory = String(await conn.send(['INFO', 'memory']));
  const policy = infoField(memory, 'maxmemory_policy');
  if (policy !== null && policy !== 'noeviction') {
    throw new FleetError(
      'REDIS_EVICTION',
      `${where} runs with maxmemory-policy ${policy}, which may delete the fleet's tasks and events under memory pressure; set maxmemory-policy noeviction`,
    );
  }
}

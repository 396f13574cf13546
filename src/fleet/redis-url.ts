import { redactSource } from '../sources/credentials.js';
import { FleetError } from './errors.js';

/** Where the password may come from instead of the URL, so that it appears in no command line (`ps`). */
export const REDIS_PASSWORD_ENV = 'PCOUNT_REDIS_PASSWORD';

/** A parsed `redis://` or `rediss://` address. `display` is the only form that may be shown or logged. */
export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  /** The URL with the password replaced by `***`. */
  display: string;
  /** True when the password was written in the URL itself (and so possibly on a command line). */
  passwordInUrl: boolean;
}

/** `redis://[user:pass@]host:port/db` or `rediss://…` (TLS); the password may come from PCOUNT_REDIS_PASSWORD. */
export function parseRedisUrl(raw: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const display = redactSource(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FleetError('BAD_REDIS_URL', `--redis ${display}: not a URL; expected redis://[user:pass@]host:port/db or rediss://… for TLS`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new FleetError('BAD_REDIS_URL', `--redis ${display}: the scheme must be redis:// or rediss:// (TLS), not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new FleetError('BAD_REDIS_URL', `--redis ${display}: no host`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new FleetError('BAD_REDIS_URL', `--redis ${display}: the database must be a number (/0, /1, …), not '/${dbText}'`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new FleetError('BAD_REDIS_URL', `--redis ${display}: unexpected query or fragment; use redis://[user:pass@]host:port/db`);
  }
  const fromUrl = url.password === '' ? undefined : decodeURIComponent(url.password);
  return {
    tls: url.protocol === 'rediss:',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db: dbText === '' ? 0 : Number(dbText),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: fromUrl ?? (env[REDIS_PASSWORD_ENV] || undefined),
    display: `${url.protocol}//${url.username ? `${url.username}${fromUrl ? ':***' : ''}@` : fromUrl ? ':***@' : ''}${url.host}/${dbText || '0'}`,
    passwordInUrl: fromUrl !== undefined,
  };
}

/** The warning for a password written in `--redis` (null without one): cli.ts hides it from `ps` once running, but the shell, and npx if it started us, may still show it. */
export function passwordInArgvWarning(command: string, target: RedisTarget): string | null {
  return target.passwordInUrl ? `pcount-tui ${command}: the password in --redis shows in 'ps' while the process starts; use ${REDIS_PASSWORD_ENV} instead\n` : null;
}

/** Fleet and agent names become parts of keys: letters, digits and `_.-`, so that no name can reach into another's keys. */
export function checkName(flag: '--fleet' | '--name', name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new FleetError('BAD_ARGUMENT', `${flag} '${name}': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
  return name;
}

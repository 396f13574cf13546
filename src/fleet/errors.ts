import { USAGE_EXIT_STATUS } from '../protocol/error-codes.js';

/** Problems of fleet mode that end a command with a message (never a stack trace), with the exit code they mean. */
export const FLEET_ERRORS = {
  BAD_REDIS_URL: 'the --redis URL is malformed',
  BAD_ARGUMENT: 'an option has a bad value',
  REDIS_UNREACHABLE: 'nothing answers at the Redis address',
  REDIS_AUTH: 'Redis refused the user name or password',
  REDIS_TOO_OLD: 'the Redis server is older than fleet mode needs',
  REDIS_MISSING_COMMAND: 'the Redis server lacks (or renamed) a command fleet mode needs',
  REDIS_EVICTION: 'the Redis server may evict keys (maxmemory-policy is not noeviction)',
  AGENT_NAME_TAKEN: 'another live agent of the fleet has this name',
  CONTROLLER_PRESENT: 'another controller drives this fleet',
  JOURNAL_UNUSABLE: 'the agent\'s journal folder cannot be made or written',
} as const;

export type FleetErrorCode = keyof typeof FLEET_ERRORS;

export class FleetError extends Error {
  constructor(
    readonly code: FleetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FleetError';
  }

  /** Bad arguments exit 2 like the worker's; everything found out by talking to Redis exits 1. */
  get exitCode(): number {
    return this.code === 'BAD_REDIS_URL' || this.code === 'BAD_ARGUMENT' ? USAGE_EXIT_STATUS : 1;
  }
}

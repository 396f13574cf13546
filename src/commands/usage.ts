import { Parser } from 'yargs/helpers';
import { escapeControls } from '../common/terminal-text.js';
import { redactSource, redactText, sourceSecrets } from '../sources/credentials.js';
import { unusableSource } from '../sources/kind.js';
import { UsageError } from './arguments.js';

/** How a command line that cannot run is refused and said: before yargs (a lone `-`), and after it, in print. */

/**
 * A message about the command line as it may be printed: it can quote any argument, so the secrets of every URL in
 * them are hidden (`--bogus rtsp://admin:pw@cam`, a source given as a config) and control characters escaped.
 */
export function shownText(text: string, args: readonly string[]): string {
  const secrets = args.flatMap((arg) => sourceSecrets(arg.replace(/^--[\w-]+=/, '')));
  return escapeControls(redactText(text, secrets));
}

/** A usage error of the worker is still an NDJSON `error` event: the parent reads the worker's stdout, not its stderr. */
export async function reportWorkerUsage(err: UsageError, args: string[]): Promise<void> {
  const [{ NdjsonWriter }, { Emitter }, { taskIdFor }, { textCleaner }] = await Promise.all([
    import('../protocol/ndjson.js'),
    import('../worker/emitter.js'),
    import('../sources/task-id.js'),
    import('../worker/text.js'),
  ]);
  const raw = Parser(args, { string: ['task', 'source'] }) as { task?: unknown; source?: unknown };
  const given = (v: unknown) => (typeof v === 'string' && v !== '' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
  const src = given(raw.source);
  const task = given(raw.task) ?? (src ? taskIdFor(redactSource(src)) : 'worker');
  const clean = textCleaner(src ?? '');
  const emit = new Emitter(new NdjsonWriter(process.stdout), task, 'info', clean);
  emit.emit({ type: 'error', code: err.code, message: err.message, fatal: true });
  await emit.flush();
  process.stderr.write(`pcount-tui worker: ${err.code}: ${clean(err.message)}\n`);
}

/** Where a lone `-` names a source: `--source -`, and the first argument of detect, snapshot and faces. */
const SOURCE_POSITIONAL = new Set(['detect', 'snapshot', 'faces']);

/**
 * yargs reads a lone `-` as no value at all (`--source -` said "the source is empty", `run -` read the current folder as
 * the config), and no command reads standard input: refused here, naming it. `-o -` (a short option) is a file named `-`.
 */
export function refuseLoneDash(args: string[]): void {
  const at = args.findIndex((arg, i) => arg === '-' && !/^-[A-Za-z]$/.test(args[i - 1] ?? ''));
  if (at < 0) return;
  const before = args[at - 1] ?? '';
  const flag = before.startsWith('--') && !before.includes('=') ? before : null;
  const source = flag === '--source' || (flag === null && SOURCE_POSITIONAL.has(args[0]));
  const why = source ? unusableSource('-') : 'a lone - would be standard input, which no command reads';
  throw new UsageError(`bad ${flag ?? 'argument'} '-': ${why}`);
}


/**
 * yargs reads a value that starts with a minus and is not a plain number (`--line -0.1,0,1,1`) as options of their
 * own: the value vanished and the command said `--line needs a value`, or `unexpected argument '0'` for a second
 * `--line`. Refused here, naming the option and the value. (`--confidence -1` reaches its parser, which words it.)
 */
export function refuseDashValues(args: string[]): void {
  const at = args.findIndex((arg) => /^-[\d.]/.test(arg) && !/^-\d+(\.\d+)?$/.test(arg));
  if (at < 0) return;
  const flag = args.slice(0, at).reverse().find((arg) => /^--?[A-Za-z]/.test(arg) && !arg.includes('='));
  throw new UsageError(`bad ${flag ?? 'argument'} '${args[at]}': it starts with "-" and reads as an option (a path: write ./${args[at]}; coordinates are fractions of the frame, 0 to 1, never negative)`);
}

import { redactSource } from '../sources/credentials.js';

/** `ps` shows every user each process's command line: a password typed into it is hidden as soon as we run. */
export function hidePasswordsFromPs(): void {
  // `--redis=redis://u:p@h` as well as `--redis redis://u:p@h`.
  const shown = process.argv.map((arg) => arg.replace(/^(--[\w-]+=)?(.*)$/s, (_all, flag: string | undefined, value: string) => `${flag ?? ''}${redactSource(value)}`));
  if (shown.some((arg, i) => arg !== process.argv[i])) process.title = shown.join(' ');
}

let stdoutFailure: string | null = null;

/**
 * A reader that goes away (`| head -1`) ends the output, not with an EPIPE stack trace: what is still written is
 * dropped. The headless run also stops its workers then (its NDJSON writer watches the same stream). A terminal that
 * goes away (SSH dropped, tmux killed) makes writes fail with EIO: the dashboard ends on the SIGHUP that comes with it.
 * Any other failure (`> /dev/full`, a full disk, a file size limit) is the output lost, not a pipeline's end: said
 * once on stderr, and the command exits 1 (see {@link outputFailed}); it was an uncaught stack trace.
 */
export function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE' || err.code === 'EIO' || stdoutFailure !== null) return;
  stdoutFailure = err.code ?? err.message;
  // Also when the failure comes after the command returned (yargs' help, the last line of a report).
  process.exitCode = 1;
  process.stderr.write(`pcount-tui: cannot write to standard output (${err.message}): the output is incomplete\n`);
}

/** Whether standard output failed other than by its reader going away: the command's output is not all there. */
export function outputFailed(): boolean {
  return stdoutFailure !== null;
}


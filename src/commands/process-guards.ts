import { redactSource } from '../sources/credentials.js';

/** `ps` shows every user each process's command line: a password typed into it is hidden as soon as we run. */
export function hidePasswordsFromPs(): void {
  // `--redis=redis://u:p@h` as well as `--redis redis://u:p@h`.
  const shown = process.argv.map((arg) => arg.replace(/^(--[\w-]+=)?(.*)$/s, (_all, flag: string | undefined, value: string) => `${flag ?? ''}${redactSource(value)}`));
  if (shown.some((arg, i) => arg !== process.argv[i])) process.title = shown.join(' ');
}

/**
 * A reader that goes away (`| head -1`) ends the output, not with an EPIPE stack trace: what is still written is
 * dropped. The headless run also stops its workers then (its NDJSON writer watches the same stream). A terminal that
 * goes away (SSH dropped, tmux killed) makes writes fail with EIO: the dashboard ends on the SIGHUP that comes with it.
 */
export function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
}


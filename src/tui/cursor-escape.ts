/**
 * Ink hides the cursor of the terminal it draws on (stdout) and shows it again when it unmounts; its cursor library
 * (restore-cursor) also writes the show-cursor escape to process.stderr when the process exits, whatever stderr is.
 * With stderr redirected (`2>err.log`) that escape was the file's last bytes. It is sent to the terminal it belongs to
 * instead: the stream Ink drew on when that is a terminal (after a crash the cursor still comes back), else nowhere.
 */

export const SHOW_CURSOR = '\u001B[?25h';

interface Writable {
  isTTY?: boolean;
  write: (chunk: never, ...rest: never[]) => boolean;
}

const wrapped = new WeakSet<object>();

export function keepShowCursorOffRedirectedStderr(drawnOn: Writable, stderr: Writable = process.stderr): void {
  if (stderr.isTTY || wrapped.has(stderr)) return;
  wrapped.add(stderr);
  const write = stderr.write.bind(stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  (stderr as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (chunk !== SHOW_CURSOR) return write(chunk, ...rest);
    if (drawnOn.isTTY) (drawnOn.write as (c: string) => boolean)(SHOW_CURSOR);
    return true;
  };
}

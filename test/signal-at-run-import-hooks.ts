/** Module hooks for signal-at-run-import.ts: SIGINT to this process once, when `commands/run.js` is resolved. */
type Resolve = (specifier: string, context: unknown) => Promise<unknown>;

let sent = false;

export async function resolve(specifier: string, context: unknown, next: Resolve): Promise<unknown> {
  if (!sent && specifier.endsWith('/commands/run.js')) {
    sent = true;
    process.kill(process.pid, 'SIGINT');
  }
  return next(specifier, context);
}

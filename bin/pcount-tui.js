#!/usr/bin/env node
// Loaded by import(), not a static import: a checkout that was never built (no `npm ci` yet, or a build under way)
// is told how to build it instead of getting ERR_MODULE_NOT_FOUND and a stack trace.
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
const signalLatch = new URL('../dist/src/common/signal-latch.js', import.meta.url);

// The signal latch (a small module without imports) is set before the CLI's modules load, which takes a tenth of a
// second or more: a Ctrl-C meanwhile is held for `run` to end with its summary (src/common/signal-latch.ts).
const loaded = import(signalLatch.href).then(({ SignalLatch }) => {
  const latch = new SignalLatch();
  return import(cli.href).then(({ main }) => ({ main, latch }));
});

loaded.then(
  ({ main, latch }) =>
    main(process.argv.slice(2), latch).then((code) => {
      // 129: the dashboard ended on a hang-up (128 + SIGHUP), its terminal is gone. Exiting, Node 20 would restore the
      // terminal's settings, fail there and abort with a native stack trace; dying of the hang-up itself, as a
      // program without a handler does, gives shells the same status.
      if (code === 129) {
        process.removeAllListeners('SIGHUP');
        process.kill(process.pid, 'SIGHUP');
        setTimeout(() => undefined, 1000);
        return;
      }
      // A standard output that failed once the command had returned has set 1 already (src/commands/process-guards.ts).
      if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
    }),
  (err) => {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || (err.url !== cli.href && err.url !== signalLatch.href)) throw err;
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(`pcount-tui: not built: ${fileURLToPath(cli)} is missing; run \`npm ci\` (or \`npm run build\`) in ${root}\n`);
    process.exitCode = 1;
  },
);

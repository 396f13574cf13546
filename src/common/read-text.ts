import { closeSync, constants, openSync, readFileSync, readSync, statSync } from 'node:fs';

/** How long a pipe given as a file may take to reach its end: `--config <(jq …)` is done in moments. */
const PIPE_WAIT_MS = 5000;
/**
 * Far more than any config or counting state holds (tens of kilobytes): a pipe that never ends (`<(yes)`) or a file
 * of gigabytes named by mistake is refused at this size instead of being read until the memory runs out.
 */
export const MAX_TEXT_BYTES = 64 * 1024 * 1024;

const tooLarge = (limit: number) =>
  Object.assign(new Error(`holds more than ${limit >= 1024 * 1024 ? `${limit / 1024 / 1024} MiB` : `${limit} bytes`}: larger than any config or counting state`), { code: 'EFBIG' });

/**
 * Reads a whole text file. A named pipe is read without blocking the process: opened as a plain file, one that nobody
 * writes to would wait forever, in a system call that Ctrl-C cannot interrupt while `run` holds the stop signals
 * (SignalLatch). A writer is waited for, and the pipe's end, up to 5 s. A device is refused: `/dev/zero` never ends,
 * and read whole it would fill the memory until the process aborts. Anything larger than `limit` is refused too.
 */
export function readText(file: string, limit = MAX_TEXT_BYTES): string {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat && (stat.isCharacterDevice() || stat.isBlockDevice() || stat.isSocket())) {
    throw Object.assign(new Error('is a device, not a file'), { code: 'EDEVICE' });
  }
  if (stat?.isFile() && stat.size > limit) throw tooLarge(limit);
  if (!stat?.isFIFO()) return readFileSync(file, 'utf8');
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    const until = Date.now() + PIPE_WAIT_MS;
    const chunk = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        n = -1;
      }
      // 0 with nothing read yet: no writer has opened the pipe so far (not yet its end).
      if (n > 0) {
        // A writer that never stops gives data at every read: neither its end nor the wait above would ever come.
        size += n;
        if (size > limit) throw tooLarge(limit);
        chunks.push(Buffer.from(chunk.subarray(0, n)));
      } else if (n === 0 && chunks.length > 0) return Buffer.concat(chunks).toString('utf8');
      else if (Date.now() > until) throw Object.assign(new Error(`it is a pipe that nothing wrote to and closed within ${PIPE_WAIT_MS / 1000} s`), { code: 'ETIMEDOUT' });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  } finally {
    closeSync(fd);
  }
}

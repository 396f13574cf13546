import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { openSource, type FrameSource } from '../src/worker/source.js';
import { freePort } from './worker-harness.js';

/** A real live stream for tests: ffmpeg serving a clip over HTTP/MPEG-TS in real time, looped. */

/**
 * Waits until something listens on the port. Read from /proc instead of connecting, because ffmpeg's
 * `-listen 1` server serves exactly one client: a test connection would use it up. A readiness wait, not a timing
 * check: on a loaded 2-core machine ffmpeg once took over 5 s to start listening.
 */
export async function listening(port: number, timeoutMs = 20_000): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const rows = readFileSync('/proc/net/tcp', 'utf8').split('\n');
    if (rows.some((r) => r.includes(`:${hex} 00000000:0000 0A`))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** Serves `clip` at its own frame rate (-re), looped, to the first client of http://127.0.0.1:port/x. */
export function serve(ffmpeg: string, clip: string, port: number): ChildProcess {
  return spawn(
    ffmpeg,
    ['-nostdin', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'mpegts', '-listen', '1', `http://127.0.0.1:${port}/x`],
    { stdio: 'ignore' },
  );
}

/**
 * MS-MPEG4 does not go into MPEG-TS: `frames` frames of `source` re-encoded as MPEG-2 with a key frame every 10,
 * `size` (WxH) when given.
 */
export function makeTsClip(ffmpeg: string, source: string, frames: number, size?: string): string {
  const clip = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-live-')), 'clip.ts');
  const scale = size ? ['-s', size] : [];
  const made = spawnSync(ffmpeg, ['-loglevel', 'error', '-y', '-i', source, '-frames:v', String(frames), ...scale, '-c:v', 'mpeg2video', '-q:v', '4', '-g', '10', clip]);
  if (made.status !== 0) throw new Error(`could not make ${clip}: ${String(made.stderr)}`);
  return clip;
}

/** `clip` served live on a free port and opened as a live source in this process; both end with the test. */
export async function openServedSource(t: TestContext, clip: string, skipFrames: number): Promise<FrameSource> {
  const ffmpeg = await resolveFfmpeg();
  const port = await freePort();
  const server = serve(ffmpeg.path, clip, port);
  t.after(() => server.kill('SIGKILL'));
  await listening(port);
  const source = await openSource({
    source: `http://127.0.0.1:${port}/x`,
    live: true,
    ffmpeg,
    maxSide: 1920,
    skipFrames,
    stallTimeoutMs: 5000,
    onReconnect: () => undefined,
    onLog: () => undefined,
  });
  t.after(() => source.close());
  return source;
}

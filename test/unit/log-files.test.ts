import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LogFiles } from '../../src/orchestrator/log-files.js';

describe('log files', () => {
  it('keeps one file per worker and per camera and rotates them by size', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'pcount-logs-'));
    const logs = new LogFiles(out, { size: '1K', maxFiles: 2 });
    logs.camera('door', 'INFO  [door] first line');
    for (let i = 0; i < 60; i++) logs.worker(0, `INFO  [lobby] line ${i} ${'x'.repeat(40)}`);
    // Rotation happens between writes; give the stream a turn to finish each rotation.
    for (let i = 0; i < 60; i++) {
      logs.worker(1, `WARN  [hall] line ${i} ${'y'.repeat(40)}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await logs.close();
    const files = readdirSync(path.join(out, 'logs')).sort();
    assert.deepEqual(files, ['camera-door.log', 'worker-0.log', 'worker-0.log.1', 'worker-0.log.2', 'worker-1.log', 'worker-1.log.1', 'worker-1.log.2']);
    assert.match(readFileSync(path.join(out, 'logs', 'worker-1.log.2'), 'utf8'), /WARN {2}\[hall\] line \d+ y+\n/);
    assert.match(readFileSync(path.join(out, 'logs', 'camera-door.log'), 'utf8'), /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}\[door\] first line\n$/);
    assert.ok(readFileSync(path.join(out, 'logs', 'worker-1.log'), 'utf8').length <= 1024 + 100);
  });

  it('holds at most its pending limit in memory when lines come faster than the disk takes them, and says how many it dropped', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'pcount-logs-'));
    const logs = new LogFiles(out, { maxPendingBytes: 64 * 1024 });
    const line = `WARN  [flood] ${'z'.repeat(200)}`;
    let most = 0;
    // One synchronous burst: nothing reaches the disk meanwhile.
    for (let i = 0; i < 20_000; i++) {
      logs.worker(0, line);
      most = Math.max(most, logs.pendingBytes);
    }
    assert.ok(most <= 64 * 1024 + line.length + 40, `${most} bytes pending`);
    await logs.close();
    const text = readFileSync(path.join(out, 'logs', 'worker-0.log'), 'utf8');
    const kept = text.split('\n').filter((l) => l.includes('[flood]')).length;
    const dropped = Number(/WARN {2}(\d+) log lines dropped/.exec(text)?.[1]);
    assert.equal(kept + dropped, 20_000, `${kept} lines written, ${dropped} reported dropped`);
  });

  it('makes the files readable by their owner only when asked, also files left by an earlier run', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'pcount-logs-'));
    mkdirSync(path.join(out, 'logs'));
    writeFileSync(path.join(out, 'logs', 'camera-gate.log'), 'earlier run\n');
    chmodSync(path.join(out, 'logs', 'camera-gate.log'), 0o644);
    const logs = new LogFiles(out, { mode: 0o600 });
    logs.camera('gate', 'INFO  [gate] hello');
    logs.worker(0, 'INFO  [gate] hello');
    await logs.close();
    for (const name of ['camera-gate.log', 'worker-0.log']) assert.equal(statSync(path.join(out, 'logs', name)).mode & 0o777, 0o600, name);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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
});

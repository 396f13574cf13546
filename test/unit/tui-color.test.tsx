import { test } from 'node:test';
import assert from 'node:assert/strict';

// Ink's colour library decides its colour level when it is first imported, and the test's stdout is no terminal:
// force colours on first, so that the NO_COLOR case below is checked against output that would have colours.
process.env.FORCE_COLOR = '1';
const { FakePool, fakeTask } = await import('../../src/tui/dev/fake-pool.js');
const { KEY, mountDashboard } = await import('../tui-harness.js');
const { renderStartScreen } = await import('../../src/tui/start-screen.js');

const SGR = /\u001B\[[0-9;]*m/;

const pool = () =>
  new FakePool([
    fakeTask('lobby', { state: 'processing', progress: 0.3, etaSeconds: 12, fps: 9 }),
    fakeTask('door', { state: 'error', reason: 'no such file: door.mp4', logs: ['error: no such file'] }),
  ]);

async function frameWith(color: boolean): Promise<string> {
  const ui = mountDashboard(pool(), undefined, { color });
  await ui.waitFor(/lobby/);
  await ui.press(KEY.enter);
  await ui.waitFor(/log: lobby/);
  const frame = ui.frame();
  await ui.press(KEY.ctrlC);
  await ui.exitCode;
  return frame;
}

test('with colour the states and the selection are styled', async () => {
  const frame = await frameWith(true);
  assert.match(frame, SGR);
  assert.match(frame, /\u001B\[7m/, 'the selected row is drawn inverse');
});

test('under NO_COLOR nothing is styled and the states and selection read as plain text', async () => {
  const frame = await frameWith(false);
  assert.doesNotMatch(frame, /\u001B\[/);
  assert.match(frame, /^> lobby\s+lobby\.mp4\s+processing/m);
  assert.match(frame, /^ {2}door\s+door\.mp4\s+error/m);
});

test('without a config the start screen says where it looked and how to start', async () => {
  const writes: string[] = [];
  const stdout = { columns: 80, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
  const hints = {
    commands: [
      { command: 'pcount-tui run --source ./clip.mp4 --line 0.5,0,0.5,1', what: 'count clip.mp4' },
      { command: 'cp config/example.json pcount.json && pcount-tui', what: 'start from the example config' },
    ],
    notes: ['Your own video or camera: …'],
  };
  await renderStartScreen({ searched: ['/home/me/.config/last.json', './pcount.json'], hints, stdout, color: false });
  const text = writes.join('');
  assert.doesNotMatch(text, /\u001B\[/);
  assert.match(text, /No config found/);
  assert.match(text, /^ {2}\.\/pcount\.json$/m);
  assert.match(text, /pcount-tui run --source \S+ --line 0\.5,0,0\.5,1/);
  assert.match(text, /cp config\/example\.json pcount\.json/);
});

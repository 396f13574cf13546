import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepShowCursorOffRedirectedStderr, SHOW_CURSOR } from '../../src/tui/cursor-escape.js';

function stream(isTTY: boolean) {
  const got: string[] = [];
  return { isTTY, got, write: (chunk: string) => (got.push(chunk), true) };
}

test('the show-cursor escape written to a redirected stderr at exit goes to the terminal the dashboard drew on', () => {
  const [terminal, file] = [stream(true), stream(false)];
  keepShowCursorOffRedirectedStderr(terminal, file);
  keepShowCursorOffRedirectedStderr(terminal, file);
  file.write('pcount-tui: a real message\n');
  file.write(SHOW_CURSOR);
  assert.deepEqual(file.got, ['pcount-tui: a real message\n'], 'stderr keeps its own text, not the escape');
  assert.deepEqual(terminal.got, [SHOW_CURSOR], 'once, where the cursor was hidden');
});

test('stderr on the terminal is left alone; with no terminal at all the escape goes nowhere', () => {
  const [terminal, tty] = [stream(true), stream(true)];
  keepShowCursorOffRedirectedStderr(terminal, tty);
  tty.write(SHOW_CURSOR);
  assert.deepEqual([tty.got, terminal.got], [[SHOW_CURSOR], []]);
  const [pipe, file] = [stream(false), stream(false)];
  keepShowCursorOffRedirectedStderr(pipe, file);
  file.write(SHOW_CURSOR);
  assert.deepEqual([file.got, pipe.got], [[], []]);
});

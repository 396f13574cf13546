import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_TEXT_BYTES, readText } from '../../src/common/read-text.js';
import { readConfigFile } from '../../src/config/load.js';

function fifo(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-fifo-')), 'config.json');
  execFileSync('mkfifo', [file]);
  return file;
}

describe('readText (a config given as a pipe)', () => {
  it('reads a plain file', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-text-')), 'a.json');
    writeFileSync(file, '{"tasks": []}');
    assert.equal(readText(file), '{"tasks": []}');
  });

  it('reads what a writer that comes later puts into a named pipe, to its end', async () => {
    const file = fifo();
    // Opens the pipe after the reader, and pauses between two writes: both are waited for.
    const writer = spawn('sh', ['-c', `sleep 0.3; { printf '{"a":'; sleep 0.3; printf '1}'; } > "$0"`, file]);
    const closed = new Promise((resolve) => writer.on('close', resolve));
    const text = readText(file);
    await closed;
    assert.equal(text, '{"a":1}');
  });

  it('a named pipe nobody writes to is refused after 5 s, naming the file, instead of hanging the process', () => {
    const file = fifo();
    const started = Date.now();
    const read = readConfigFile(file);
    assert.ok(Date.now() - started < 8000);
    assert.equal(read.ok, false);
    assert.ok(!read.ok && read.file === file);
    assert.match(!read.ok ? read.problems[0]!.message : '', /cannot be read: it is a pipe that nothing wrote to and closed within 5 s/);
  });

  it('a device is refused, naming it, instead of being read for ever (was: `validate /dev/zero` hung, then aborted with std::bad_alloc)', () => {
    const read = readConfigFile('/dev/zero');
    assert.equal(read.ok, false);
    assert.ok(!read.ok && read.file === '/dev/zero');
    assert.match(!read.ok ? read.problems[0]!.message : '', /cannot be read: is a device, not a file/);
  });

  it('a pipe whose writer never stops is refused once it has given more than the limit (was: read until the memory ran out)', () => {
    const file = fifo();
    // The writer's end held open here, the pipe already holding more than the limit: what `<(yes)` looks like to a
    // reader at any moment, with no writer process to wait for.
    const writer = openSync(file, constants.O_RDWR);
    try {
      writeSync(writer, Buffer.alloc(8192, 'y'));
      assert.throws(() => readText(file, 4096), { code: 'EFBIG', message: 'holds more than 4096 bytes: larger than any config or counting state' });
    } finally {
      closeSync(writer);
    }
  });

  it('a file larger than the limit is refused before it is read', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pcount-text-')), 'big.json');
    writeFileSync(file, `"${'x'.repeat(5000)}"`);
    assert.throws(() => readText(file, 4096), { code: 'EFBIG' });
    assert.equal(readText(file).length, 5002, `within the default limit (${MAX_TEXT_BYTES} bytes)`);
  });
});

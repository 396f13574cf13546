import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemZone } from '../../src/store/zone.js';

const noFile = (file: string): string => {
  throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
};

test('the machine zone is always one Intl can use, also for a TZ that Intl names no zone for', () => {
  assert.equal(systemZone('Europe/Berlin', 'Europe/Berlin', 60, noFile), 'Europe/Berlin');
  // TZ=:/etc/localtime (Intl: undefined): the zone file it points at.
  const links: Record<string, string> = { '/etc/localtime': '/usr/share/zoneinfo/America/New_York' };
  assert.equal(systemZone(':/etc/localtime', null, -300, (f) => links[f] ?? noFile(f)), 'America/New_York');
  assert.equal(systemZone(':Europe/Berlin', null, 60, (f) => f), 'Europe/Berlin');
  // POSIX rules: UTC+3 is three hours behind UTC, which Intl spells Etc/GMT+3.
  assert.equal(systemZone('UTC+3', null, -180, noFile), 'Etc/GMT+3');
  assert.equal(systemZone('XYZ-2', null, 120, noFile), 'Etc/GMT-2');
  assert.equal(systemZone('Nowhere/Atlantis', null, 0, noFile), 'UTC');
});

/**
 * bench:resume's cheap exhaustive check, without the detector: the worker's counter over a detection recording
 * (worker --record-detections, as bench:count caches them), cut after every K-th frame, its state sent through JSON
 * as a checkpoint's is, restored into a new counter and run to the end. Every step after the cut (tracks, crossings,
 * and the crossings the end releases) must be the uninterrupted run's.
 *
 *   node dist/bench/resume-replay.js RECORDING.ndjson… [--every 1]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { newPeopleCounter } from '../src/worker/counter-setup.js';
import { readRecording, type Recording } from '../src/worker/detection-record.js';
import type { PeopleCounter } from '../src/vision/people-counter.js';
import { args, argOf } from './bench-args.js';
import { firstDifference } from './json-difference.js';

const every = Number(argOf('--every') ?? '1');
const files = args.filter((a, i) => a.endsWith('.ndjson') && args[i - 1] !== '--every');

/** One step of a recording through `counter`, as the worker's frame loop gives it (counting-setup of replaySteps). */
function stepText(counter: PeopleCounter, s: Recording['steps'][number]): string {
  if ('lines' in s) {
    counter.setLines(s.lines, s.source);
    return 'lines';
  }
  if ('end' in s) return JSON.stringify(counter.finish());
  const step = 'detections' in s ? counter.detections(s.detections, s.frame, s.pts) : counter.predict(s.pts);
  return JSON.stringify([step.tracks, step.crossings]);
}

for (const file of files) {
  const rec = readRecording(readFileSync(file, 'utf8'), file);
  const { lines, source, anchor } = rec.header;
  const whole = newPeopleCounter(lines, source, anchor);
  const expected = rec.steps.map((s) => stepText(whole, s));
  const t0 = performance.now();
  const differ: string[] = [];
  let cuts = 0;
  for (let cut = 1; cut < rec.steps.length - 1; cut += every) {
    const before = newPeopleCounter(lines, source, anchor);
    for (const s of rec.steps.slice(0, cut)) stepText(before, s);
    const resumed = newPeopleCounter(lines, source, anchor);
    resumed.loadData(JSON.parse(JSON.stringify(before.toData())));
    cuts += 1;
    for (let i = cut; i < rec.steps.length; i++) {
      const got = stepText(resumed, rec.steps[i]);
      if (got !== expected[i]) {
        differ.push(`after step ${cut}, step ${i + 1} differs: ${firstDifference(JSON.parse(got === 'lines' ? 'null' : got), JSON.parse(expected[i] === 'lines' ? 'null' : expected[i]))}`);
        break;
      }
    }
  }
  console.log(`${path.basename(file)}: ${rec.steps.length} steps, cut after ${cuts}, ${differ.length} differ (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  for (const d of differ.slice(0, 10)) console.log(`  ${d}`);
}

/**
 * node dist/bench/miss-causes.js — every missed crossing of the 31 replays of the team's four bench:count commands, put
 * down to one cause from what the tracker did with the person's own detections on the passes around it:
 *
 *   not detected     no box of theirs (IoU ≥ 0.5) on any pass within ±`window` s, taken or not;
 *   free only        boxes of theirs, but no track took any (below newTrackScore, or the track ended);
 *   tentative only   only tracks never confirmed took them;
 *   one side only    a confirmed track had them on one side of the crossing only (hidden or switched off before or
 *                    after);
 *   same track       one confirmed track had them on the passes either side of the crossing and counted nothing there
 *                    (the counter's hold, margin or segment, or the feet placed elsewhere);
 *   counted, paired elsewhere   ... and counted it, but the time matching gave that count to another truth crossing;
 *   switch           the track that had them before the crossing is not the one after (identity switch, broken track).
 *
 *   node dist/bench/miss-causes.js [--window 1.5] [--options '{"tracker": {...}}'] [--runs vtest:1,mot17-09:5]
 *
 * Replays the cached worker recordings (made first when missing, as bench:count --mode replay does).
 */
import { rowsByFrame } from '../src/metrics/gt.js';
import { matchCrossings, type TimedCrossing } from '../src/metrics/crossings.js';
import { iou, sideValue } from '../src/vision/geometry.js';
import { toPixelLines } from '../src/vision/line-side.js';
import type { PeopleCounterOptions } from '../src/vision/people-counter.js';
import { Track } from '../src/vision/track.js';
import type { Box } from '../src/vision/types.js';
import { newPeopleCounter } from '../src/worker/counter-setup.js';
import { resolveFfmpeg } from '../src/worker/ffmpeg-binary.js';
import { TOLERANCE_SECONDS, loadClip } from './count-clips.js';
import { workerRecording } from './count-replay.js';
import { pairPeople, passBox } from './track-boxes.js';
import { argOf } from './bench-args.js';

/** The 31 runs of the team brief's four commands. */
const ALL_RUNS: [string, number][] = [
  ...['vtest', 'mot17-09'].flatMap((c) => [[c, 1], [c, 5]] as [string, number][]),
  ...['mot17-09-2.5fps', 'mot17-09-7.5fps', 'mot17-09-640', 'vtest-1536', 'vtest-2.3fps', 'vtest-mirror', 'mot17-09-mirror', 'vtest-crf32', 'mot17-09-crf32']
    .map((c) => [c, 1] as [string, number]),
  ...['vtest-gray', 'mot17-09-gray', 'vtest-dark', 'mot17-09-dark', 'vtest-pad1080', 'vtest-384'].map((c) => [c, 1] as [string, number]),
  ...['vtest-reverse', 'mot17-09-reverse', 'vtest-zoom', 'mot17-09-zoom', 'vtest-shake', 'mot17-09-shake'].flatMap((c) => [[c, 1], [c, 5]] as [string, number][]),
];

interface Taken {
  track: number;
  state: string;
  box: Box;
  person: number | null;
  born: number;
}
interface Pass {
  frame: number;
  t: number;
  taken: Taken[];
  free: { score: number; box: Box }[];
}

async function runOne(name: string, skip: number, options: PeopleCounterOptions, windowS: number, ffmpeg: { path: string; version: string }) {
  const clip = loadClip(name, ffmpeg.path);
  const { recording } = await workerRecording(clip, skip, [], ffmpeg.version);
  const { lines, source, anchor } = recording.header;
  const counter = newPeopleCounter(lines, source, anchor, options);
  const tracker = counter.tracker as unknown as { tracks: Track[] };
  const gtByFrame = rowsByFrame(clip.gt.filter((r) => r.conf !== 0));
  const passes: Pass[] = [];
  const found: TimedCrossing[] = [];
  for (const s of recording.steps) {
    if ('lines' in s) continue;
    if ('end' in s) {
      for (const c of counter.finish()) found.push({ line: c.line, direction: c.direction, t: (c.frame - 1) / clip.fps, id: c.track });
      continue;
    }
    if (!('detections' in s)) {
      counter.predict(s.pts);
      continue;
    }
    const step = counter.detections(s.detections, s.frame, s.pts);
    const people = gtByFrame.get(s.frame) ?? [];
    const taken = tracker.tracks
      .filter((tr) => tr.matchedNow)
      .map((tr) => ({ tr, box: passBox(tr, s.pts) }));
    const owners = pairPeople(taken.map((x) => x.box), people);
    const key = (b: Box) => b.join(',');
    const used = new Set(taken.map((x) => key(x.box)));
    passes.push({
      frame: s.frame,
      t: (s.frame - 1) / clip.fps,
      taken: taken.map((x, i) => ({ track: x.tr.id, state: x.tr.state, box: x.box, person: owners.get(i) ?? null, born: x.tr.born })),
      free: s.detections.filter((d) => !used.has(key(d.box))).map((d) => ({ score: d.score, box: d.box })),
    });
    for (const c of step.crossings) found.push({ line: c.line, direction: c.direction, t: (c.frame - 1) / clip.fps, id: c.track });
  }
  const m = matchCrossings(clip.truth, found, TOLERANCE_SECONDS);
  const px = toPixelLines(clip.lines, clip);
  const feetOff = (lineName: string, b: Box) => {
    const l = px.find((x) => x.name === lineName)!;
    return sideValue(l.a, l.b, { x: b[0] + b[2] / 2, y: b[1] + b[3] }) / l.length / b[3];
  };
  const out: { cause: string; text: string }[] = [];
  for (const c of m.missed) {
    const near = passes.filter((p) => Math.abs(p.t - c.t) <= windowS);
    const own = (p: Pass) => p.taken.find((x) => x.person === c.id);
    const gtOf = (p: Pass) => (gtByFrame.get(p.frame) ?? []).find((r) => r.id === c.id);
    const freeOwn = near.some((p) => {
      const g = gtOf(p);
      return g && p.free.some((d) => iou(d.box, g.box) >= 0.5);
    });
    const before = near.filter((p) => p.t < c.t).reverse().map((p) => ({ p, x: own(p) })).find((y) => y.x && y.x.state !== 'tentative');
    const after = near.filter((p) => p.t >= c.t).map((p) => ({ p, x: own(p) })).find((y) => y.x && y.x.state !== 'tentative');
    const anyTaken = near.some((p) => own(p));
    const vis = near.map((p) => gtOf(p)?.visibility ?? 1);
    const minVis = vis.length ? Math.min(...vis) : 1;
    let cause: string;
    let detail = '';
    if (before && after && before.x!.track === after.x!.track) {
      const id = before.x!.track;
      const counted = found.filter((f) => f.id === id && f.line === c.line && f.direction === c.direction && Math.abs(f.t - c.t) <= TOLERANCE_SECONDS + 1);
      const feet = `feet ${feetOff(c.line, before.x!.box).toFixed(2)}h@${before.p.t.toFixed(1)} → ${feetOff(c.line, after.x!.box).toFixed(2)}h@${after.p.t.toFixed(1)}`;
      if (counted.length) {
        cause = 'counted, paired elsewhere';
        detail = `#${id} counted ${counted.map((f) => f.t.toFixed(2)).join(',')} ${feet}`;
      } else {
        cause = 'same track, not counted';
        detail = `#${id} ${feet}`;
      }
    } else if (before && after) {
      const b = before.x!;
      const a = after.x!;
      const bornNear = a.born > b.born && a.born >= before.p.t - 0.01;
      cause = bornNear ? 'switch: new track after' : 'switch: other old track after';
      detail = `#${b.track}@${before.p.t.toFixed(1)} (${feetOff(c.line, b.box).toFixed(2)}h) → #${a.track}@${after.p.t.toFixed(1)} (${feetOff(c.line, a.box).toFixed(2)}h) born ${a.born.toFixed(1)}`;
      // What the before-track did after, and who the after-track had before.
      const bLater = near.filter((p) => p.t >= c.t).map((p) => p.taken.find((x) => x.track === b.track)).find((x) => x);
      const aEarlier = near.filter((p) => p.t < c.t).reverse().map((p) => p.taken.find((x) => x.track === a.track)).find((x) => x);
      detail += ` | #${b.track} after: ${bLater ? `person ${bLater.person ?? '?'}` : '-'} | #${a.track} before: ${aEarlier ? `person ${aEarlier.person ?? '?'}` : '-'}`;
    } else if (before || after) {
      cause = 'one side only';
      const x = (before ?? after)!;
      detail = `${before ? 'before' : 'after'} #${x.x!.track}@${x.p.t.toFixed(1)} (${feetOff(c.line, x.x!.box).toFixed(2)}h) minVis ${minVis.toFixed(2)}`;
    } else if (anyTaken) {
      cause = 'tentative only';
    } else if (freeOwn) {
      cause = 'free only';
    } else {
      cause = minVis < 0.3 ? 'not detected (hidden)' : 'not detected (visible)';
    }
    out.push({ cause, text: `${name} s${skip} ${c.line}:${c.direction}@${c.t.toFixed(2)} #${c.id} ${detail}` });
  }
  return { name, skip, matched: m.matched.length, missed: m.missed.length, extra: m.extra.length, causes: out };
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const windowS = Number(argOf('--window') ?? 1.5);
  const options = JSON.parse(argOf('--options') ?? '{}') as PeopleCounterOptions;
  const runs = argOf('--runs')?.split(',').map((r) => [r.split(':')[0], Number(r.split(':')[1] ?? 1)] as [string, number]) ?? ALL_RUNS;
  const all: { cause: string; text: string }[] = [];
  let totals = [0, 0, 0];
  for (const [name, skip] of runs) {
    const r = await runOne(name, skip, options, windowS, ffmpeg);
    totals = [totals[0] + r.matched, totals[1] + r.missed, totals[2] + r.extra];
    all.push(...r.causes);
  }
  const byCause = new Map<string, string[]>();
  for (const x of all) byCause.set(x.cause, [...(byCause.get(x.cause) ?? []), x.text]);
  console.log(`${runs.length} runs: ${totals.join(' / ')}`);
  for (const [cause, texts] of [...byCause].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`\n${cause}: ${texts.length}`);
    for (const t of texts) console.log(`  ${t}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`miss-causes: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

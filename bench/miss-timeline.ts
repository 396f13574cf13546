/**
 * node dist/bench/miss-timeline.js — pass by pass around each missed (and extra) crossing of a replay: where the
 * crossing person's annotated feet were against the line, their own detection, and which track took it (its state),
 * so that a miss can be put down to the detector, confirmation, an identity switch, a track that ended, or the
 * counter's rule.
 *
 *   node dist/bench/miss-timeline.js --clip mot17-09-2.5fps --skip 1 [--window 2.5] [--options '{"tracker": {...}}']
 *
 * Replays the worker's recording of the run, cached as bench:count --mode replay caches it (made first when missing).
 * In a crowd the time matching names whichever truth crossing is left over, so the per-line lists say more than the
 * missed list: which found crossing's track had which person on the pass before it and the pass that counted it.
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

interface Taken {
  track: number;
  state: string;
  score: number;
  box: Box;
  person: number | null;
}
interface Pass {
  frame: number;
  t: number;
  taken: Taken[];
  /** Detections no track took (score, box). */
  free: { score: number; box: Box }[];
}

async function main(): Promise<void> {
  const ffmpeg = await resolveFfmpeg();
  const clip = loadClip(argOf('--clip') ?? 'mot17-09-2.5fps', ffmpeg.path);
  const skip = Number(argOf('--skip') ?? 1);
  const windowS = Number(argOf('--window') ?? 2.5);
  const options = JSON.parse(argOf('--options') ?? '{}') as PeopleCounterOptions;
  const { recording } = await workerRecording(clip, skip, [], ffmpeg.version);
  const { lines, source, anchor } = recording.header;
  const counter = newPeopleCounter(lines, source, anchor, options);
  const tracker = counter.tracker as unknown as { tracks: Track[] };
  const gtByFrame = rowsByFrame(clip.gt.filter((r) => r.conf !== 0));

  const passes: Pass[] = [];
  const found: TimedCrossing[] = [];
  /** Per found crossing: the person (id@seconds) its track had on its previous pass and on the pass that counted it. */
  const how = new Map<TimedCrossing, { before: string; after: string }>();
  const lastPerson = new Map<number, string>();
  for (const s of recording.steps) {
    if ('lines' in s) continue;
    if ('end' in s) {
      // Held crossings counted when the file ended: the track's person is the one of its last pass.
      for (const c of counter.finish()) {
        const crossing = { line: c.line, direction: c.direction, t: (c.frame - 1) / clip.fps, id: c.track };
        found.push(crossing);
        how.set(crossing, { before: lastPerson.get(c.track) ?? '-', after: 'end' });
      }
      continue;
    }
    if (!('detections' in s)) {
      counter.predict(s.pts);
      continue;
    }
    const frame = s.frame;
    const step = counter.detections(s.detections, frame, s.pts);
    const people = gtByFrame.get(frame) ?? [];
    const taken = tracker.tracks
      .filter((tr) => tr.matchedNow)
      .map((tr) => ({ tr, box: passBox(tr, s.pts) }));
    const owners = pairPeople(taken.map((x) => x.box), people);
    const key = (b: Box) => b.join(',');
    const used = new Set(taken.map((x) => key(x.box)));
    const free = s.detections.filter((d) => !used.has(key(d.box)) && d.score >= counter.tracker.config.lowScore);
    passes.push({
      frame,
      t: (frame - 1) / clip.fps,
      taken: taken.map((x, i) => ({ track: x.tr.id, state: x.tr.state, score: x.tr.score, box: x.box, person: owners.get(i) ?? null })),
      free: free.map((d) => ({ score: d.score, box: d.box })),
    });
    const pass = passes[passes.length - 1];
    for (const c of step.crossings) {
      const now = pass.taken.find((x) => x.track === c.track);
      const crossing = { line: c.line, direction: c.direction, t: (c.frame - 1) / clip.fps, id: c.track };
      found.push(crossing);
      how.set(crossing, { before: lastPerson.get(c.track) ?? '-', after: `${now ? (now.person ?? '?') : '-'}@${pass.t.toFixed(1)}` });
    }
    for (const x of pass.taken) lastPerson.set(x.track, `${x.person ?? '?'}@${pass.t.toFixed(1)}`);
  }

  const m = matchCrossings(clip.truth, found, TOLERANCE_SECONDS);
  const px = toPixelLines(clip.lines, clip);
  const feetOff = (lineName: string, b: Box) => {
    const l = px.find((x) => x.name === lineName)!;
    return sideValue(l.a, l.b, { x: b[0] + b[2] / 2, y: b[1] + b[3] }) / l.length;
  };
  const f0 = (v: number) => v.toFixed(0);
  console.log(`${clip.name} skip ${skip}: ${m.matched.length} matched / ${m.missed.length} missed / ${m.extra.length} extra`);
  /**
   * The person's own box on the last pass before the crossing and the first after it (within 1.2 s): which track
   * took it (and its state), or 'free' (no track took it), or '-' (no box of theirs).
   */
  const sides = (c: TimedCrossing) => {
    const ownAt = (p: Pass) => {
      const g = (gtByFrame.get(p.frame) ?? []).find((r) => r.id === c.id);
      if (!g) return null;
      const x = p.taken.find((y) => y.person === c.id);
      if (x) return `#${x.track} ${x.state} ${f0(feetOff(c.line, x.box))}px@${p.t.toFixed(1)}`;
      const d = p.free.find((y) => iou(y.box, g.box) >= 0.5);
      return d ? `free ${d.score.toFixed(2)}@${p.t.toFixed(1)}` : null;
    };
    const before = passes.filter((p) => p.t < c.t && p.t >= c.t - 1.2).reverse().map(ownAt).find((x) => x !== null) ?? '-';
    const after = passes.filter((p) => p.t >= c.t && p.t <= c.t + 1.2).map(ownAt).find((x) => x !== null) ?? '-';
    return `[before: ${before} | after: ${after}]`;
  };
  const show = (c: TimedCrossing, kind: string) => {
    console.log(`\n${kind} ${c.line}:${c.direction}@${c.t.toFixed(2)}s person/track #${c.id}${kind === 'MISSED' ? ` ${sides(c)}` : ''}`);
    const near = found.filter((x) => x.line === c.line && Math.abs(x.t - c.t) <= 3);
    console.log(`  found on ${c.line} within 3 s: ${near.map((x) => `${x.direction}@${x.t.toFixed(2)}#${x.id}`).join(' ') || '-'}`);
    for (const p of passes) {
      if (Math.abs(p.t - c.t) > windowS) continue;
      const people = gtByFrame.get(p.frame) ?? [];
      if (kind === 'MISSED') {
        const g = people.find((r) => r.id === c.id);
        const own = p.taken.find((x) => x.person === c.id);
        const gt = g ? `feet ${f0(feetOff(c.line, g.box)).padStart(5)} px (h ${f0(g.box[3])}, vis ${(g.visibility ?? 1).toFixed(2)})` : 'not annotated';
        const tk = own ? `#${own.track} ${own.state} ${own.score.toFixed(2)} feet ${f0(feetOff(c.line, own.box))}` : 'no own track box';
        const freeOwn = g ? p.free.filter((d) => iou(d.box, g.box) >= 0.3).map((d) => `${d.score.toFixed(2)} iou ${iou(d.box, g.box).toFixed(2)}`) : [];
        const others = p.taken.filter((x) => x.person !== c.id && g && iou(x.box, g.box) >= 0.3).map((x) => `#${x.track}(${x.person ?? '?'}) iou ${iou(x.box, g!.box).toFixed(2)}`);
        console.log(`  ${p.t.toFixed(2).padStart(6)}s f${p.frame} ${gt.padEnd(40)} | ${tk.padEnd(34)} | free ${freeOwn.join(',') || '-'} | over ${others.join(',') || '-'}`);
      } else {
        const tr = p.taken.find((x) => x.track === c.id);
        console.log(`  ${p.t.toFixed(2).padStart(6)}s f${p.frame} ${tr ? `${tr.state} person ${tr.person ?? '?'} feet ${f0(feetOff(c.line, tr.box))}` : '-'}`);
      }
    }
    // The tracks that had this person over the window.
    if (kind === 'MISSED') {
      const tracks = new Map<number, string[]>();
      for (const p of passes) {
        if (Math.abs(p.t - c.t) > windowS * 2) continue;
        for (const x of p.taken) if (x.person === c.id) tracks.set(x.track, [...(tracks.get(x.track) ?? []), p.t.toFixed(1)]);
      }
      console.log(`  tracks on #${c.id} within ±${windowS * 2}s: ${[...tracks].map(([id, ts]) => `#${id} [${ts.join(' ')}]`).join('; ') || '-'}`);
      for (const id of tracks.keys()) {
        const persons = passes.filter((p) => Math.abs(p.t - c.t) <= windowS * 2).flatMap((p) => p.taken.filter((x) => x.track === id).map((x) => `${p.t.toFixed(1)}:${x.person ?? '?'}`));
        const counted = found.filter((x) => x.id === id).map((x) => `${x.line}:${x.direction}@${x.t.toFixed(2)}`);
        console.log(`    #${id} persons ${persons.join(' ')} | counted ${counted.join(' ') || '-'}`);
      }
    }
  };
  // Every crossing of the run: truth (person, matched or missed) and found (track, the person it had on the passes
  // either side of the crossing), by line and time.
  const missedSet = new Set(m.missed);
  const extraSet = new Set(m.extra);
  for (const l of clip.lines) {
    console.log(`\nline ${l.name}`);
    const rows = [
      ...clip.truth.filter((c) => c.line === l.name).map((c) => {
        // Found crossings whose track had this person on the pass before or the pass that counted it.
        const had = (f: TimedCrossing) => [how.get(f)!.before, how.get(f)!.after].some((x) => x.startsWith(`${c.id}@`));
        const carriers = found.filter((f) => f.line === c.line && f.direction === c.direction && Math.abs(f.t - c.t) <= TOLERANCE_SECONDS && had(f));
        const carried = carriers.length ? `carried by ${carriers.map((f) => `track ${f.id}`).join(',')}` : `NOT CARRIED ${sides(c)}`;
        return { t: c.t, text: `truth ${c.direction} #${c.id}${missedSet.has(c) ? ' MISSED' : ''} ${carried}` };
      }),
      ...found.filter((c) => c.line === l.name).map((c) => ({
        t: c.t,
        text: `${' '.repeat(26)}found ${c.direction} track ${c.id}: ${how.get(c)!.before} -> ${how.get(c)!.after}${extraSet.has(c) ? ' EXTRA' : ''}`,
      })),
    ].sort((a, b) => a.t - b.t);
    for (const r of rows) console.log(`  ${r.t.toFixed(2).padStart(6)} ${r.text}`);
  }
  for (const c of m.missed) show(c, 'MISSED');
  for (const c of m.extra) show(c, 'EXTRA');
}

main().catch((err: unknown) => {
  process.stderr.write(`miss-timeline: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

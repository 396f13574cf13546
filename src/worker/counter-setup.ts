import type { AnchorMode } from '../vision/geometry.js';
import { PeopleCounter, type AppearanceSampler, type PeopleCounterOptions, type StepResult } from '../vision/people-counter.js';
import type { CrossingRecord } from '../vision/line-counter.js';
import type { Detection, LineSpec } from '../vision/types.js';
import type { DetectionRecording } from './detection-record.js';

/** What the tracker and counter may know of the source (all of it is in a detection recording). */
export interface CounterSource {
  width: number;
  height: number;
  fps: number | null;
}

/**
 * The worker's tracker and counter for a source. bench:count's replay builds them here too, so that a replay of
 * recorded detections counts exactly as the worker did; `overrides` are the settings a replay tries. With
 * `recording`, everything the counter is given is written to it as well.
 */
export function newPeopleCounter(
  lines: readonly LineSpec[],
  source: CounterSource,
  anchor: AnchorMode,
  overrides: PeopleCounterOptions = {},
  recording?: DetectionRecording,
): PeopleCounter {
  const options = { ...overrides, counter: { anchor, ...overrides.counter } };
  if (!recording) return new PeopleCounter(lines, source, options);
  recording.write({ recording: 1, source: { width: source.width, height: source.height, fps: source.fps }, lines: [...lines], anchor });
  return new RecordingPeopleCounter(recording, lines, source, options);
}

/** A PeopleCounter that writes its input (detections, times, line changes, the end) before it counts. */
class RecordingPeopleCounter extends PeopleCounter {
  constructor(
    private readonly recording: DetectionRecording,
    lines: readonly LineSpec[],
    source: CounterSource,
    options: PeopleCounterOptions,
  ) {
    super(lines, source, options);
  }

  override detections(detections: readonly Detection[], frame: number, pts: number, appearance?: AppearanceSampler): StepResult {
    // Appearance is made from pixels, which a recording leaves out: a replay of such a run would not be exact.
    if (appearance) throw new Error('--record-detections cannot record appearance features');
    this.recording.write({ f: frame, t: pts, d: detections.map((d) => [...d.box, d.score]) });
    return super.detections(detections, frame, pts);
  }

  override predict(pts: number): StepResult {
    this.recording.write({ t: pts });
    return super.predict(pts);
  }

  override finish(): CrossingRecord[] {
    this.recording.write({ end: true });
    return super.finish();
  }

  override setLines(lines: readonly LineSpec[], frame: { width: number; height: number }): void {
    super.setLines(lines, frame);
    // Only lines the counter took: a refused set (it throws) changed nothing.
    this.recording.write({ lines: [...lines], source: { width: frame.width, height: frame.height } });
  }
}

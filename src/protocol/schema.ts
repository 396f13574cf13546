/**
 * JSON Schema (draft-07) of every NDJSON event a worker writes. This module is the single source of truth:
 * `docs/protocol.md` describes the same events for people, the tests validate real worker output against it.
 * Objects are closed (`additionalProperties: false`) so that a field added to `events.ts` without being
 * documented here fails the tests instead of drifting silently.
 */

import { AGE_BAND_NAMES, LOG_LEVELS, type WorkerEventType } from './events.js';

type Schema = Record<string, unknown>;

const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const num = (minimum?: number): Schema => (minimum === undefined ? { type: 'number' } : { type: 'number', minimum });
const str: Schema = { type: 'string' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const box: Schema = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 };
const linePoints: Schema = { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 4, maxItems: 4 };

function closed(required: Record<string, Schema>, description: string, optional: Record<string, Schema> = {}): Schema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: Object.keys(required),
    properties: { ...required, ...optional },
  };
}

const AGE_BANDS: string[] = [...AGE_BAND_NAMES];
const counts = (keys: string[], description: string): Schema => closed(Object.fromEntries(keys.map((k) => [k, int()])), description);
const lineCount: Schema = {
  type: 'object',
  description: 'Counts of one named line; with demographics on, also split by gender and by age band (in and out together).',
  additionalProperties: false,
  required: ['name', 'in', 'out'],
  properties: {
    name: str,
    in: int(),
    out: int(),
    gender: counts(['male', 'female', 'unknown'], 'Crossings of the line by gender (pending ones count as unknown).'),
    age_band: counts([...AGE_BANDS, 'unknown'], 'Crossings of the line by age band.'),
  },
};

/** Gender and age of one person (demographics on): null with a `reason` when there is no estimate. */
const demographicFields: Record<string, Schema> = {
  gender: nullable({ enum: ['male', 'female'] }),
  gender_score: nullable({ type: 'number', minimum: 0.5, maximum: 1, description: 'probability of the gender given' }),
  age: nullable(num(0)),
  age_band: nullable({ enum: AGE_BANDS }),
  face_px: nullable({ ...int(1), description: 'longest side of the largest face seen, source pixels' }),
  reason: { enum: ['no_face', 'too_small', 'pending', 'interrupted'], description: 'why there is no estimate (interrupted: from the parent, the worker ended first)' },
};
const seq: Schema = { type: 'integer', minimum: 1, description: 'consecutive from 1 over the crossings of one worker process' };

const rect = { x: num(0), y: num(0), w: num(0), h: num(0), scale: num(0) };
const cropsFields: Record<string, Schema> = {
  detect_region: {
    anyOf: [{ enum: ['auto', 'full'] }, { title: 'a list of [x, y, w, h] rectangles in fractions of the frame', type: 'array', minItems: 1, items: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } }],
  },
  target_height: num(0),
  heights_from: { enum: ['prior', 'people'] },
  regions: { type: 'array', items: closed(rect, 'A region of the source frame (source pixels) and its scale (model-input pixels per pixel).') },
  tiles: {
    type: 'array',
    minItems: 1,
    items: closed({ ...rect, input_width: int(1), input_height: int(1) }, 'One model run: a rectangle of the source frame resized by `scale` into an input of this size.'),
  },
};

function event(type: string, description: string, fields: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema {
  return closed(
    {
      v: { const: 1 },
      type: { const: type },
      task: { type: 'string', minLength: 1 },
      ts: { type: 'integer', minimum: 0, description: 'Unix epoch milliseconds when the event was written' },
      ...fields,
    },
    description,
    optional,
  );
}

/**
 * Keyed by the event types of `events.ts`: an event type without a schema, or a schema without an event type, does
 * not compile.
 */
export const eventSchemas: Record<WorkerEventType, Schema> = {
  hello: event('hello', 'First event: what is being counted and with what.', {
    protocol: { const: 1 },
    source: str,
    live: { type: 'boolean' },
    model: closed(
      { path: str, format: str, input_width: int(1), input_height: int(1) },
      'The ONNX model and the input size frames are scaled to.',
    ),
    ffmpeg: closed({ path: str, origin: str, version: str }, 'The ffmpeg binary in use and where it was found.'),
    width: int(1),
    height: int(1),
    fps: nullable(num(0)),
    duration: nullable(num(0)),
    lines: {
      type: 'array',
      minItems: 1,
      items: closed(
        { name: str, points: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } },
        'A counting line in fractions of the frame.',
      ),
    },
    skip_frames: int(1),
    anchor: { enum: ['bottom', 'center'] },
    crops: closed(cropsFields, 'Where the detector looks and at what scale, as first planned.'),
  }, {
    states: { type: 'boolean', description: 'the worker writes `state` events (a file with `--emit-state`)' },
  }),
  crops: event('crops', 'The crop plan changed (learned person heights, new lines, or a new frame size).', {
    reason: { enum: ['people', 'lines', 'frame size'] },
    ...cropsFields,
  }),
  progress: event('progress', 'About once a second while frames flow.', {
    frame: int(),
    fps: num(0),
    in: int(),
    out: int(),
    occupancy: { type: 'integer' },
    tracks: int(),
    dropped: int(),
    position: nullable(num(0)),
    duration: nullable(num(0)),
    lines: { type: 'array', items: lineCount },
  }, {
    detect_ms: { ...num(0), description: 'mean time from handing a frame to the detector to its detections, over the interval' },
    detections: int(),
  }),
  crossing: event('crossing', 'One person crossed one line.', {
    seq,
    line: str,
    track: int(),
    direction: { enum: ['in', 'out'] },
    frame: int(1),
    pts: num(0),
  }, demographicFields),
  demographics: event('demographics', 'The estimate of a crossing written earlier with reason "pending".', {
    seq,
    line: str,
    track: int(),
    frame: int(1),
    gender: demographicFields.gender,
    gender_score: demographicFields.gender_score,
    age: demographicFields.age,
    age_band: demographicFields.age_band,
    face_px: demographicFields.face_px,
  }, { reason: demographicFields.reason }),
  log: event('log', 'A human-readable message.', {
    level: { enum: [...LOG_LEVELS] },
    message: str,
  }),
  error: event('error', 'A problem; fatal errors are followed by `done` (if counting started) and a non-zero exit.', {
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
    message: { type: 'string', minLength: 1 },
    fatal: { type: 'boolean' },
  }),
  reconnect: event('reconnect', 'A live source is being restarted after a stall or an end.', {
    attempt: int(1),
    delay_ms: int(),
    reason: str,
  }),
  done: event('done', 'Last event: the final counts.', {
    reason: { enum: ['end', 'stopped', 'error'], description: 'source ended, asked to stop, or fatal error' },
    frames: int(),
    wall_seconds: num(0),
    avg_fps: num(0),
    dropped: int(),
    lines: { type: 'array', items: lineCount },
    in: int(),
    out: int(),
  }),
  detections: event('detections', 'Raw detections of one frame (the `detect` command).', {
    frame: int(),
    detections: {
      type: 'array',
      items: closed({ box, score: num(0), label: { const: 'person' } }, 'One detected person.'),
    },
  }),
  tracks: event('tracks', 'Debug (`--emit-tracks`): confirmed tracks after a frame.', {
    frame: int(1),
    pts: num(0),
    tracks: { type: 'array', items: closed({ id: int(), box }, 'One confirmed track.') },
  }),
  state: event('state', 'Files, with `--emit-state`: the counting state after a frame, written before its progress event (for `--start-state`).', {
    frame: int(1),
    seq: { ...int(0), description: 'the seq of the last crossing written before the state (0: none)' },
    state: { type: 'object', required: ['version'], properties: { version: int(1) }, description: 'tracker, counter and crop planner as plain data; its layout is versioned, not part of the protocol' },
  }),
  preview: event('preview', 'Only while a `preview` command has them on: a small picture of the latest frame, with tracks and lines.', {
    frame: int(1),
    pts: num(0),
    width: int(1),
    height: int(1),
    encoding: { const: 'rgb24-base64' },
    data: { type: 'string', description: 'width × height × 3 bytes, rows top to bottom, base64' },
    source_width: int(1),
    source_height: int(1),
    tracks: { type: 'array', items: closed({ id: int(), box }, 'One confirmed track, box in source pixels.') },
    lines: {
      type: 'array',
      items: closed({ name: str, points: linePoints, in: int(), out: int() }, 'A line being counted now, with its counts.'),
    },
  }),
  lines: event('lines', 'The worker counts on these lines from now on (after a `lines` command); counts of kept names go on.', {
    frame: { ...int(1), description: 'the first frame counted on these lines' },
    lines: { type: 'array', minItems: 1, items: closed({ name: str, points: linePoints }, 'A counting line in fractions of the frame.') },
  }),
};

/** The whole protocol: any one of the events above, chosen by `type`. */
export const workerEventSchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://pcount-tui.local/protocol/v1/events.json',
  title: 'pcount-tui worker event (protocol v1)',
  type: 'object',
  required: ['v', 'type', 'task', 'ts'],
  properties: { type: { enum: Object.keys(eventSchemas) } },
  allOf: Object.entries(eventSchemas).map(([type, schema]) => ({
    if: { properties: { type: { const: type } } },
    then: schema,
  })),
};

/** One line of `pcount-tui faces` (not a worker event: no `task` or `ts`). */
export const facesLineSchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  ...closed(
    {
      v: { const: 1 },
      type: { const: 'faces' },
      file: str,
      faces: {
        type: 'array',
        items: closed(
          { box, score: { type: 'number', minimum: 0, maximum: 1 }, gender: demographicFields.gender, gender_score: demographicFields.gender_score, age: demographicFields.age, age_band: demographicFields.age_band },
          'One face: where, how sure the face detector is, and its estimate.',
        ),
      },
    },
    'The faces of one image.',
  ),
};

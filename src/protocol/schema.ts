/**
 * JSON Schema (draft-07) of every NDJSON event a worker writes. This module is the single source of truth:
 * `docs/protocol.md` describes the same events for people, the tests validate real worker output against it.
 * Objects are closed (`additionalProperties: false`) so that a field added to `events.ts` without being
 * documented here fails the tests instead of drifting silently.
 */

type Schema = Record<string, unknown>;

const int = (minimum = 0): Schema => ({ type: 'integer', minimum });
const num = (minimum?: number): Schema => (minimum === undefined ? { type: 'number' } : { type: 'number', minimum });
const str: Schema = { type: 'string' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const box: Schema = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 };

function closed(required: Record<string, Schema>, description: string): Schema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: Object.keys(required),
    properties: required,
  };
}

const lineCount = closed({ name: str, in: int(), out: int() }, 'Counts of one named line.');

function event(type: string, description: string, fields: Record<string, Schema>): Schema {
  return closed(
    {
      v: { const: 1 },
      type: { const: type },
      task: { type: 'string', minLength: 1 },
      ts: { type: 'integer', minimum: 0, description: 'Unix epoch milliseconds when the event was written' },
      ...fields,
    },
    description,
  );
}

export const eventSchemas: Record<string, Schema> = {
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
  }),
  crossing: event('crossing', 'One person crossed one line.', {
    seq: { type: 'integer', minimum: 1, description: 'consecutive from 1 over the crossings of one worker process' },
    line: str,
    track: int(),
    direction: { enum: ['in', 'out'] },
    frame: int(1),
    pts: num(0),
  }),
  log: event('log', 'A human-readable message.', {
    level: { enum: ['debug', 'info', 'warn', 'error'] },
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

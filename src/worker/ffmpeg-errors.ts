import type { WorkerErrorCode } from '../protocol/error-codes.js';
import { isNetworkInput } from './ffmpeg-args.js';

/** Codes from the worker protocol's table (src/protocol/error-codes.ts), so that a reader's failure becomes an `error` event unchanged. */
export type FrameReaderErrorCode = Extract<
  WorkerErrorCode,
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_TIMEOUT'
  | 'FFMPEG_FAILED'
  | 'FFMPEG_NOT_FOUND'
>;

export class FrameReaderError extends Error {
  constructor(
    readonly code: FrameReaderErrorCode,
    message: string,
    /** ffmpeg's last stderr lines. */
    readonly stderr: readonly string[],
    readonly exitCode: number | null = null,
  ) {
    super(message);
    this.name = 'FrameReaderError';
  }
}

const UNREACHABLE = /Connection refused|timed out|No route to host|Name or service not known|Network is unreachable|Failed to resolve|Connection reset|Server returned|Immediate exit requested/i;

/** Why ffmpeg could not open an input, from its last stderr lines. */
export function openFailureCode(input: string, stderr: readonly string[]): FrameReaderErrorCode {
  const text = stderr.join('\n');
  if (isNetworkInput(input)) return UNREACHABLE.test(text) || !/Invalid data/i.test(text) ? 'SOURCE_UNREACHABLE' : 'SOURCE_UNREADABLE';
  return /No such file or directory/i.test(text) ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE';
}

/** Lines ffmpeg ends a failed run with, which say that it failed but not why. */
const CLOSING = /^(Conversion failed!|Error marking filters as finished|Cannot determine format of input stream \S+ after EOF|Exiting normally.*)$/;

/**
 * Why ffmpeg failed, from its last stderr lines: the last one that says more than that it failed. ffmpeg begins it with
 * its `-i` argument (`input`), which the caller's message names already as the source, and which for a source with a
 * password is only `pipe:0` (ffmpeg-input.ts): that prefix is left out.
 */
export function failureReason(stderr: readonly string[], input?: string): string | undefined {
  const line = stderr.findLast((l) => l.trim() !== '' && !CLOSING.test(l.trim())) ?? stderr.at(-1);
  return input !== undefined && line?.startsWith(`${input}: `) ? line.slice(input.length + 2) : line;
}

/**
 * What ffmpeg says about a file with damaged or missing data, which it still reads to the end with exit status 0. A
 * Matroska file cut short ends with the demuxer's `Read error`; an MPEG-TS one with the decoder hiding the damage of
 * its last, partial picture (`concealing … errors`, `error while decoding MB`, `… damaged at`).
 */
const DAMAGE =
  /corrupt input packet|Invalid data found when processing input|Invalid NAL unit|partial file|Truncating packet|Packet corrupt|error reading header|\] Read error|concealing \d+ DC|error while decoding MB|damaged at \d+ \d+/i;

/** ffmpeg's last line about damaged data in its stderr lines, or null when it reported none. */
export function damageReport(stderr: readonly string[]): string | null {
  return stderr.findLast((line) => DAMAGE.test(line))?.trim() ?? null;
}

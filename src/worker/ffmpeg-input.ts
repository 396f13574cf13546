import { hasCredentials } from '../sources/credentials.js';

/**
 * How ffmpeg is told its input. ffmpeg takes an input URL only on its command line, which every user of the machine
 * can read (`ps`, `/proc/<pid>/cmdline`). A source with a password is therefore handed over as a one-entry ffconcat
 * list on ffmpeg's stdin (`-f concat -i pipe:0`): the concat demuxer opens the URL inside with the same protocols
 * (rtsp, http(s), …), and the command line shows only `pipe:0`.
 *
 * The concat demuxer does not pass input options to the URL it opens (ffmpeg 5 can, with `option` lines, but the
 * bundled 2018 build cannot), so that path goes without `-rtsp_transport` and the socket time-outs: RTSP gets TCP
 * through the URL option ffmpeg's RTSP demuxer has always read (`?tcp`), and a dead connection is left to the worker's
 * own open time-out and stall watchdog, which kill ffmpeg anyway.
 */
export interface FfmpegInput {
  /** The options up to and including `-i …`. */
  args: string[];
  /** What to write to ffmpeg's stdin (then close it), or null to give it none. */
  stdin: string | null;
}

/** Protocols the concat demuxer may open for the URL in the list (ffmpeg's default list for it has only `file`). */
const CONCAT_PROTOCOLS = 'pipe,file,crypto,data,tcp,udp,rtp,srtp,rtsp,rtsps,tls,http,https,httpproxy,rtmp,rtmps,rtmpt,rtmpts,srt,mmsh,mmst';

export function ffmpegInput(input: string, inputArgs: string[], networkArgs: string[]): FfmpegInput {
  if (!hasCredentials(input)) return { args: [...networkArgs, ...inputArgs, '-i', input], stdin: null };
  return {
    args: ['-f', 'concat', '-safe', '0', '-protocol_whitelist', CONCAT_PROTOCOLS, '-i', 'pipe:0'],
    stdin: `ffconcat version 1.0\nfile ${quote(withRtspTransport(input))}\n`,
  };
}

/**
 * True for an RTSP URL that chooses its transport itself (`?udp`, `?tcp`, …, the URL options ffmpeg's RTSP demuxer
 * reads): a camera that speaks only UDP is reached that way, so pcount-tui's own TCP default must then stay out.
 */
export function namesRtspTransport(url: string): boolean {
  return /[?&](tcp|udp|multicast|http|https)(&|$)/.test(url);
}

/** `?tcp` on an RTSP URL that names no transport: interleaved TCP, as `-rtsp_transport tcp` gives the other sources. */
function withRtspTransport(url: string): string {
  if (!/^rtsps?:\/\//i.test(url) || namesRtspTransport(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}tcp`;
}

/** An ffconcat token: single quotes keep everything literal; a quote itself is closed, escaped and reopened. */
function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

import { readdirSync, realpathSync } from 'node:fs';
import { findOnPath } from '../common/on-path.js';

/**
 * What the start screen (and its headless twin on stderr) suggests when there is nothing to run. Every command shown
 * runs as written when pasted into a shell here: it starts with the way this program was started (`npx pcount-tui`,
 * `pcount-tui` on PATH, or `node …/bin/pcount-tui.js`) and names only files that exist.
 */
export interface StartHint {
  command: string;
  what: string;
}

export interface StartHints {
  commands: StartHint[];
  /** How to go on with one's own video, in words: a template is not a command to paste. */
  notes: string[];
}

const VIDEO = /\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ts|wmv)$/i;
const SAFE = /^[A-Za-z0-9_./:=,@%+-]+$/;

/** A word a POSIX shell reads back as it is. */
export function shellQuote(word: string): string {
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How to start this program again from a shell: the way it was started. */
export function invocation(script: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.npm_command === 'exec') return 'npx pcount-tui';
  let real = script;
  try {
    real = realpathSync(script);
  } catch {
    // Keep the path as given.
  }
  const onPath = findOnPath('pcount-tui', env.PATH);
  if (onPath !== null && realpathSync(onPath) === real) return 'pcount-tui';
  return `${shellQuote(process.execPath)} ${shellQuote(real)}`;
}

export interface StartContext {
  program: string;
  cwd: string;
  /** The example config shipped with the package, and the video it expects next to it. */
  exampleConfig: string;
  exampleVideo: string;
}

export function startHints(ctx: StartContext): StartHints {
  let entries: string[] = [];
  try {
    entries = readdirSync(ctx.cwd).sort();
  } catch {
    // An unreadable folder has no videos to suggest.
  }
  const video = entries.find((name) => VIDEO.test(name));
  const commands: StartHint[] = [];
  if (video) {
    commands.push({
      command: `${ctx.program} run --source ${shellQuote(`./${video}`)} --line 0.5,0,0.5,1`,
      what: `count people crossing a vertical line through the middle of ${video}`,
    });
  }
  if (entries.includes(ctx.exampleVideo)) {
    commands.push({
      command: `cp ${shellQuote(ctx.exampleConfig)} pcount.json && ${ctx.program}`,
      what: `start from the example config: two tasks on ${ctx.exampleVideo}, then edit pcount.json`,
    });
  }
  commands.push({ command: `${ctx.program} run --help`, what: 'every option of a run: sources, lines, models, output' });
  commands.push({ command: `${ctx.program} --help`, what: 'every command' });
  const notes = [
    `Your own video or camera: ${ctx.program} run --source followed by a file, an rtsp:// or http:// URL or /dev/video0,`,
    'and --line x1,y1,x2,y2 in fractions of the frame (0.5,0,0.5,1 is a vertical line through the middle).',
    `A config file (see ${ctx.exampleConfig}) saved as pcount.json in a folder runs there with ${ctx.program} alone.`,
  ];
  return { commands, notes };
}

/** The hints as plain text, for stderr when there is no terminal. */
export function startHintsText(hints: StartHints): string {
  const lines = ['To start, run one of:'];
  for (const h of hints.commands) lines.push(`  ${h.command}`, `      ${h.what}`);
  lines.push('', ...hints.notes);
  return `${lines.join('\n')}\n`;
}

import { Box, Text } from 'ink';
import type { FleetAgentView, FleetView } from '../orchestrator/types.js';
import { formatBytes, formatPercent, truncate } from './format.js';
import { Styled, type Tone } from './theme.js';

/** Agents listed at most; the rest are summed up in one line. */
const MAX_AGENTS = 4;
/** The latest happenings shown (the log of the fleet is in the notes). */
const MAX_NOTES = 2;
/** Columns a wide agent row takes with its longest state (`  stopping`), the host's memory up to `999.9/999.9 GB`. */
const WIDE_PANEL = 103;

export interface PanelLine {
  text: string;
  tone?: Tone;
}

function agentTone(a: FleetAgentView): Tone | undefined {
  if (a.state === 'lost') return 'bad';
  if (a.state === 'silent' || a.state === 'stopping' || a.state === 'stopped') return 'warn';
  return undefined;
}

/** The host's memory in use of its total (`18.2/23.5 GB`), as the agent's heartbeat reports it. */
function hostMemory(a: FleetAgentView): string {
  if (!(a.memTotalBytes > 0)) return '-';
  const gb = (bytes: number) => (bytes / 1024 ** 3).toFixed(1);
  return `${gb(a.memTotalBytes - a.memFreeBytes)}/${gb(a.memTotalBytes)} GB`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/**
 * Fleet mode: the fleet's health under the task table (pure, for the tests): Redis and the queue, one line per
 * agent (name, host, pid, slots used/total, CPU and memory of its workers, the host's memory in use and load, journal
 * size, heartbeat age, state), and the latest happenings with what was done about them.
 */
export function fleetPanelLines(view: FleetView, now: number, width = Infinity): PanelLine[] {
  const redis = view.redis.state === 'up' ? `Redis up ${view.redis.address}` : `Redis DOWN ${view.redis.address} for ${seconds(now - view.redis.since)} (${view.redis.detail})`;
  const lines: PanelLine[] = [
    { text: `fleet ${view.fleet}  ${redis}  queue ${view.queued}  running ${view.running}  agents ${view.agents.length}`, tone: view.redis.state === 'up' ? 'accent' : 'bad' },
  ];
  if (view.agents.length > 0) {
    // The host's figures only where the whole row fits: the heartbeat and the state must not be cut off at 80 columns.
    const wide = width >= WIDE_PANEL;
    const head = wide ? '    pid slots   cpu     mem       host mem  load journal  heartbeat' : 'slots   cpu     mem  heartbeat';
    lines.push({ text: `${'agent'.padEnd(12)} ${'host'.padEnd(12)} ${head}`, tone: 'muted' });
    for (const a of view.agents.slice(0, MAX_AGENTS)) {
      const state = a.state === 'up' ? '' : `  ${a.state}`;
      const cells = [
        truncate(a.name, 12).padEnd(12),
        truncate(a.host, 12).padEnd(12),
        ...(wide ? [String(a.pid).padStart(7)] : []),
        `${a.slotsUsed}/${a.slots}`.padStart(5),
        formatPercent(a.cpuPercent).padStart(5),
        formatBytes(a.rssBytes).padStart(7),
        ...(wide ? [hostMemory(a).padStart(14), a.load1.toFixed(1).padStart(5), formatBytes(a.journalBytes).padStart(7)] : []),
        seconds(a.heartbeatAgeMs).padStart(10),
      ];
      lines.push({ text: `${cells.join(' ')}${state}`, tone: agentTone(a) });
    }
    if (view.agents.length > MAX_AGENTS) lines.push({ text: `… ${view.agents.length - MAX_AGENTS} more agents`, tone: 'muted' });
  } else {
    lines.push({ text: 'no agent has joined the fleet yet: start `pcount-tui agent --redis …` on the hosts', tone: 'warn' });
  }
  for (const note of view.notes.slice(-MAX_NOTES)) lines.push({ text: note, tone: /lost|DOWN|silent|not stored|cannot/.test(note) ? 'warn' : 'muted' });
  return lines;
}

export function fleetPanelHeight(view: FleetView | null | undefined): number {
  return view ? fleetPanelLines(view, Date.now()).length : 0;
}

export function FleetPanel({ view, width }: { view: FleetView; width: number }) {
  const lines = fleetPanelLines(view, Date.now(), width);
  return (
    <Box flexDirection="column" width={width} height={lines.length} flexShrink={0}>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          <Styled tone={line.tone}>{line.text}</Styled>
        </Text>
      ))}
    </Box>
  );
}

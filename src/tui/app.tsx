import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, useApp, useInput, useStdin } from 'ink';
import type { PoolControl, TaskView } from '../orchestrator/types.js';
import { describeExport } from './format.js';
import { Footer } from './footer.js';
import { Header } from './header.js';
import { HelpOverlay } from './help-overlay.js';
import { handleKey, initialUi, splitTyped, type Effect, type UiState } from './keys.js';
import { bodyLayout, frameHeight, tableLayout, HEADER_LINES, FOOTER_LINES } from './layout.js';
import { LogPane, logPageSize } from './log-pane.js';
import { FleetPanel, fleetPanelHeight } from './fleet-panel.js';
import { rowsNote, TaskTable } from './task-table.js';
import { usePoolSnapshot } from './use-pool-snapshot.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface AppProps {
  pool: PoolControl;
  configPath?: string;
  /** Least time between two redraws caused by pool changes; key presses redraw at once. */
  refreshMs: number;
  /** How long a message stays in the footer. */
  messageMs?: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isUnfinished = (t: TaskView) => t.state === 'pending' || t.state === 'processing';

export function App({ pool, configPath, refreshMs, messageMs = 10_000 }: AppProps) {
  const { exit } = useApp();
  // Without a terminal on stdin there are no keys to read (raw mode would throw); signals still stop the run.
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [snapshot, refresh] = usePoolSnapshot(pool, refreshMs);
  const [ui, setUi] = useState<UiState>(() => initialUi(snapshot.tasks.map((t) => t.id)));
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const tasks = snapshot.tasks;
  const ids = tasks.map((t) => t.id);
  // Keep a selection when tasks appear after the first frame, or when the selected one goes away.
  const selectedId = ui.selectedId !== null && ids.includes(ui.selectedId) ? ui.selectedId : (ids[0] ?? null);
  const selected = tasks.find((t) => t.id === selectedId);
  // Fleet mode: the fleet's health takes its lines from the body, and the table gets an agent column.
  const panelLines = fleetPanelHeight(snapshot.fleet);
  const bodyRows = rows - panelLines;
  const body = bodyLayout(bodyRows, ui.logOpen, tasks.length);
  const layout = tableLayout(columns, ids, Boolean(snapshot.fleet));

  const say = useCallback((message: string) => {
    if (mounted.current) setUi((s) => ({ ...s, message }));
  }, []);

  useEffect(() => {
    if (!ui.message || ui.confirmQuit || ui.confirmRestart !== null || ui.quitting) return;
    const timer = setTimeout(() => setUi((s) => (s.message === ui.message ? { ...s, message: null } : s)), messageMs);
    return () => clearTimeout(timer);
  }, [ui.message, ui.confirmQuit, ui.confirmRestart, ui.quitting, messageMs]);

  /** Runs what a key asked for; a message it returns at once replaces the one the key set. */
  const run = (effect: Effect): string | null => {
    switch (effect.kind) {
      case 'command':
        try {
          pool[effect.command](effect.task);
          return null;
        } catch (err) {
          return `cannot ${effect.command} ${effect.task}: ${errorText(err)}`;
        }
      case 'export':
        pool.exportResults().then(
          (paths) => say(describeExport(paths)),
          (err: unknown) => say(`export failed: ${errorText(err)}`),
        );
        return null;
      case 'quit':
        pool
          .shutdown({ stopFleet: effect.stopFleet })
          .catch(() => undefined)
          .finally(() => exit(effect.code));
        return null;
    }
  };

  // Several keys can arrive in one read, before React re-renders: each must see the state the previous one left.
  const latest = useRef(ui);
  latest.current = ui;
  useInput((typed, flags) => {
    let state: UiState = { ...latest.current };
    if (state.selectedId === null || !ids.includes(state.selectedId)) state.selectedId = selectedId;
    for (const [input, key] of splitTyped(typed, flags)) {
      const current = tasks.find((t) => t.id === state.selectedId);
      const result = handleKey(state, input, key, {
        taskIds: ids,
        unfinished: tasks.filter(isUnfinished).length,
        fleet: Boolean(snapshot.fleet),
        running: current?.state === 'processing' ? { in: current.in, out: current.out } : null,
        logLength: current?.logs.length ?? 0,
        logPage: logPageSize(bodyLayout(bodyRows, state.logOpen, tasks.length).logLines),
      });
      state = result.state;
      const failure = result.effect ? run(result.effect) : null;
      if (failure) state = { ...state, message: failure };
    }
    latest.current = state;
    setUi(state);
    refresh();
  }, { isActive: isRawModeSupported });

  const height = frameHeight(rows);
  const bodyHeight = height - HEADER_LINES - FOOTER_LINES - panelLines;
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Header snapshot={snapshot} configPath={configPath} width={columns} rowsNote={rowsNote(tasks.length, ids.indexOf(selectedId ?? ''), body.tableRows)} />
      <Box flexDirection="column" width={columns} height={bodyHeight}>
        {ui.help ? (
          <HelpOverlay width={columns} height={bodyHeight} />
        ) : (
          <>
            <TaskTable tasks={tasks} layout={layout} selectedId={selectedId} visibleRows={body.tableRows} width={columns} />
            {ui.logOpen && <LogPane task={selected} height={body.logLines} width={columns} scroll={ui.logScroll} />}
          </>
        )}
      </Box>
      {snapshot.fleet && <FleetPanel view={snapshot.fleet} width={columns} />}
      <Footer
        width={columns}
        message={isRawModeSupported ? ui.message : 'keys off: stdin is not a terminal; stop with Ctrl-C or SIGTERM'}
        confirming={ui.confirmQuit || ui.confirmRestart !== null}
        finished={snapshot.finished}
      />
    </Box>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, useApp, useInput, useStdin } from 'ink';
import { linesTakenText } from '../commands/save-lines.js';
import type { LinesTaken, PoolControl, TaskView } from '../orchestrator/types.js';
import { DemographicsLine, taskSplit } from './demographics-line.js';
import { describeExport } from './format.js';
import { Footer, footerHeight } from './footer.js';
import { Header } from './header.js';
import { HelpOverlay } from './help-overlay.js';
import { handleKey, initialUi, splitTyped, type Effect, type UiState } from './keys.js';
import { bodyLayout, frameHeight, tableLayout, HEADER_LINES, FOOTER_LINES } from './layout.js';
import type { EditLine } from './line-editor.js';
import { LogPane, logPageSize } from './log-pane.js';
import { FleetPanel, fleetPanelHeight } from './fleet-panel.js';
import { wantedPictureSize } from './preview/fit.js';
import type { CellSurface } from './preview/cell-surface.js';
import type { ColourMode } from './preview/halfblock.js';
import { PreviewPane, previewRows } from './preview-pane.js';
import { expandedIds, tableRows, totals, visibleTasks, type SortKey } from './task-list.js';
import { rowsNote, TaskTable } from './task-table.js';
import { usePoolSnapshot } from './use-pool-snapshot.js';
import { useTerminalSize } from './use-terminal-size.js';

/** The dashboard settings a user changes with keys and finds again next time. */
export interface UiPreferences {
  logOpen: boolean;
  preview: boolean;
  sort: SortKey;
}

export interface AppProps {
  pool: PoolControl;
  configPath?: string;
  /** Least time between two redraws caused by pool changes; key presses redraw at once. */
  refreshMs: number;
  /** How long a message stays in the footer. */
  messageMs?: number;
  colour?: ColourMode;
  preferences?: Partial<UiPreferences>;
  onPreferences?: (prefs: UiPreferences) => void;
  /** Keeps lines applied in the editor (the config file, or `--line` arguments to reuse); resolves to what to say. */
  saveLines?: (task: string, lines: EditLine[], taken: LinesTaken) => Promise<string>;
  /** Shown in the header, e.g. the /metrics address. */
  note?: string;
  /** Where the preview's coloured cells go past Ink (the stdout Ink writes to must be wrapped by it). */
  surface?: CellSurface;
}

/** The preview asks for a picture twice a second and redraws as often. */
const PREVIEW_INTERVAL_MS = 500;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isUnfinished = (t: TaskView) => t.state === 'pending' || t.state === 'processing';

export function App({ pool, configPath, refreshMs, messageMs = 10_000, colour = '256', preferences, onPreferences, saveLines, note, surface }: AppProps) {
  const { exit } = useApp();
  // Without a terminal on stdin there are no keys to read (raw mode would throw); signals still stop the run.
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [ui, setUi] = useState<UiState>(() => initialUi(pool.snapshot().tasks.map((t) => t.id), preferences));
  const [snapshot, refresh] = usePoolSnapshot(pool, ui.preview ? Math.min(refreshMs, PREVIEW_INTERVAL_MS) : refreshMs);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  const tasks = visibleTasks(snapshot.tasks, ui.filter, ui.sort);
  const ids = tasks.map((t) => t.id);
  // Keep a selection when tasks appear after the first frame, or when the selected one goes away (or is filtered out).
  const selectedId = ui.selectedId !== null && ids.includes(ui.selectedId) ? ui.selectedId : (ids[0] ?? null);
  const selected = tasks.find((t) => t.id === selectedId);
  // Fleet mode: the fleet's health takes its lines from the body, and the table gets an agent column.
  const panelLines = fleetPanelHeight(snapshot.fleet);
  // A long message takes more footer lines, from the body.
  const footerMode = ui.editor ? 'editor' : ui.filtering ? 'filter' : ui.preview ? 'preview' : 'table';
  const footerMessage = footerMode === 'filter' ? null : isRawModeSupported ? ui.message : 'keys off: stdin is not a terminal; stop with Ctrl-C or SIGTERM';
  const footerExtra = footerHeight(footerMessage, columns, rows) - FOOTER_LINES;
  const bodyRows = rows - panelLines - footerExtra;
  const pane = ui.preview ? 'preview' : ui.logOpen ? 'log' : null;
  const withTotals = tasks.length > 1;
  const roomForRows = bodyLayout(bodyRows, null, 0).tableRows - (withTotals ? 1 : 0);
  const rowList = tableRows(tasks, expandedIds(tasks, ui.expanded, pane ? 0 : roomForRows));
  const body = bodyLayout(bodyRows, pane, rowList.length + (withTotals ? 1 : 0));
  // The first column holds task ids and, under them, line names after a three-character branch (" └ ").
  const labels = [...ids, ...tasks.flatMap((t) => t.lines.map((l) => `   ${l.name}`))];
  const layout = tableLayout(columns, labels, tasks.some((t) => t.kind === 'camera'), Boolean(snapshot.fleet));
  const previewHeight = previewRows(body.previewLines);

  const say = useCallback((message: string) => {
    if (mounted.current) setUi((s) => ({ ...s, message }));
  }, []);

  useEffect(() => {
    if (!ui.message || ui.confirmQuit || ui.confirmRestart !== null || ui.quitting) return;
    const timer = setTimeout(() => setUi((s) => (s.message === ui.message ? { ...s, message: null } : s)), messageMs);
    return () => clearTimeout(timer);
  }, [ui.message, ui.confirmQuit, ui.confirmRestart, ui.quitting, messageMs]);

  // Pictures flow only for the task on screen, sized to the pane; they stop when the preview closes or moves on.
  const watched = ui.preview ? selectedId : null;
  useEffect(() => {
    if (watched === null) return;
    pool.setPreview(watched, { ...wantedPictureSize(columns, previewHeight), intervalMs: PREVIEW_INTERVAL_MS });
    return () => pool.setPreview(watched, null);
  }, [pool, watched, columns, previewHeight]);

  useEffect(() => {
    onPreferences?.({ logOpen: ui.logOpen, preview: ui.preview, sort: ui.sort });
  }, [onPreferences, ui.logOpen, ui.preview, ui.sort]);

  const applyLines = (task: string, lines: EditLine[]): string | null => {
    let taken: LinesTaken;
    try {
      taken = pool.setLines(task, lines);
    } catch (err) {
      return `cannot change the lines of ${task}: ${errorText(err)}`;
    }
    saveLines?.(task, lines, taken).then(say, (err: unknown) => say(`${linesTakenText(task, taken)}; not saved: ${errorText(err)}`));
    return saveLines ? null : linesTakenText(task, taken);
  };

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
      case 'lines':
        return applyLines(effect.task, effect.lines);
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
          .finally(() => exit(effect.signal));
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
      const shown = visibleTasks(snapshot.tasks, state.filter, state.sort);
      const current = shown.find((t) => t.id === state.selectedId);
      const result = handleKey(state, input, key, {
        taskIds: shown.map((t) => t.id),
        selectedLines: current?.lineSpecs,
        unfinished: snapshot.tasks.filter(isUnfinished).length,
        fleet: Boolean(snapshot.fleet),
        running: current?.state === 'processing' ? { in: current.in, out: current.out } : null,
        logLength: current?.logs.length ?? 0,
        logPage: logPageSize(bodyLayout(bodyRows, state.logOpen ? 'log' : null, shown.length).logLines),
      });
      state = result.state;
      const failure = result.effect ? run(result.effect) : null;
      if (failure) state = { ...state, message: failure };
    }
    latest.current = state;
    setUi(state);
    refresh();
  }, { isActive: isRawModeSupported });

  const splitShown = selected !== undefined && taskSplit(selected.lines) !== null;
  const height = frameHeight(rows);
  const bodyHeight = height - HEADER_LINES - FOOTER_LINES - footerExtra - panelLines;
  const now = Date.now();
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Header snapshot={snapshot} configPath={configPath} width={columns} note={note} rowsNote={rowsNote(rowList, selectedId, body.tableRows - (withTotals ? 1 : 0))} />
      <Box flexDirection="column" width={columns} height={bodyHeight} overflow="hidden">
        {ui.help ? (
          <HelpOverlay width={columns} height={bodyHeight} />
        ) : (
          <>
            <TaskTable
              rows={rowList}
              totals={withTotals ? { values: totals(tasks), taskCount: tasks.length } : null}
              layout={layout}
              selectedId={selectedId}
              visibleRows={body.tableRows - (splitShown ? 1 : 0)}
              width={columns}
              now={now}
            />
            {splitShown && <DemographicsLine lines={selected!.lines} width={columns} />}
            {pane === 'log' && <LogPane task={selected} height={body.logLines} width={columns} scroll={ui.logScroll} />}
            {pane === 'preview' && (
              <PreviewPane
                task={selected}
                picture={selectedId ? pool.preview(selectedId) : null}
                editor={ui.editor}
                height={body.previewLines}
                width={columns}
                colour={colour}
                surface={surface}
                fleet={Boolean(snapshot.fleet)}
              />
            )}
          </>
        )}
      </Box>
      {snapshot.fleet && <FleetPanel view={snapshot.fleet} width={columns} />}
      <Footer
        width={columns}
        rows={rows}
        message={footerMessage}
        confirming={ui.confirmQuit || ui.confirmRestart !== null}
        finished={snapshot.finished}
        mode={footerMode}
        filter={ui.filter}
      />
    </Box>
  );
}

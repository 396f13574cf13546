/** Pure formatting of numbers and strings for fixed-width cells. No styling here. */

export function formatFps(fps: number): string {
  if (!Number.isFinite(fps) || fps <= 0) return '-';
  return fps >= 100 ? fps.toFixed(0) : fps.toFixed(1);
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 MB';
  const mb = bytes / (1024 * 1024);
  if (mb < 1024) return `${mb.toFixed(0)} MB`;
  return `${(mb / 1024).toFixed(1)} GB`;
}

export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent) || percent < 0) return '0%';
  return `${percent.toFixed(0)}%`;
}

/** m:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A bar of exactly `width` characters for a fraction 0..1 (clamped). */
export function progressBar(fraction: number, width: number, unicode: boolean): string {
  if (width <= 0) return '';
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  const [on, off] = unicode ? ['█', '░'] : ['#', '-'];
  return on.repeat(filled) + off.repeat(width - filled);
}

/** "42%" right-aligned in 4 characters. */
export function formatProgressPercent(fraction: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  return `${Math.floor(f * 100)}%`.padStart(4);
}

/**
 * What a person needs to recognise a source in a narrow cell: the file name for paths, host and path for URLs.
 * Credentials in URLs are dropped so that a password never appears on screen.
 */
export function shortenSource(source: string): string {
  const url = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?(.*)$/i.exec(source);
  if (url) return `${url[1]}://${url[2]}`;
  if (source.startsWith('/dev/')) return source;
  const parts = source.split(/[\\/]/).filter((p) => p !== '');
  return parts.length > 0 ? parts[parts.length - 1] : source;
}

/** Cuts text to `width` characters, marking the cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width === 1) return '…';
  return `${text.slice(0, width - 1)}…`;
}

/** Cuts the middle out of text that does not fit, keeping both a URL's scheme and a file's extension visible. */
export function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, Math.max(0, width));
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

/** The common folder of the written files and their names, for a one-line "exported to" message. */
export function describeExport(paths: string[]): string {
  if (paths.length === 0) return 'nothing to export yet';
  const dirs = paths.map((p) => p.slice(0, Math.max(p.lastIndexOf('/'), 0)));
  const dir = dirs.every((d) => d === dirs[0]) ? dirs[0] : '';
  if (dir === '') return `exported ${paths.length} files: ${paths.join(', ')}`;
  const names = paths.map((p) => p.slice(dir.length + 1));
  return `exported ${paths.length} file${paths.length === 1 ? '' : 's'} to ${dir}/: ${names.join(', ')}`;
}

/** Time left in at most 5 characters: "m:ss" under an hour, then "1h02m", capped at "99h+". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  const total = Math.round(seconds);
  if (total < 3600) return formatDuration(total);
  const h = Math.floor(total / 3600);
  if (h > 99) return '99h+';
  return `${h}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The text exposition format of Prometheus and OpenMetrics, from plain metric families. OpenMetrics names a counter
 * family without `_total` in its `# TYPE` line and ends with `# EOF`; the older Prometheus text format (0.0.4) names
 * the family as its samples are named. Pure: the collector decides what to expose, the server how to send it.
 */

export type MetricType = 'counter' | 'gauge' | 'info';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** Without the `_total` / `_info` suffix of its samples. */
  name: string;
  type: MetricType;
  help: string;
  unit?: string;
  samples: Sample[];
}

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}

const suffix: Record<MetricType, string> = { counter: '_total', gauge: '', info: '_info' };

export function formatMetrics(families: readonly MetricFamily[], openMetrics: boolean): string {
  const out: string[] = [];
  for (const f of families) {
    const sampleName = f.name + suffix[f.type];
    const familyName = openMetrics ? f.name : sampleName;
    // The old format knows no info type: an info metric is a gauge whose value is always 1.
    const type = openMetrics ? f.type : f.type === 'info' ? 'gauge' : f.type;
    out.push(`# TYPE ${familyName} ${type}`);
    if (openMetrics && f.unit) out.push(`# UNIT ${familyName} ${f.unit}`);
    out.push(`# HELP ${familyName} ${escapeHelp(f.help)}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
        .join(',');
      out.push(`${sampleName}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  if (openMetrics) out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** OpenMetrics when the scraper asks for it (Prometheus does), else the older text format (curl, browsers). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? '');
}

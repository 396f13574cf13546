import type { PreviewCommand } from '../protocol/commands.js';

/** What the dashboard asks of a task's pictures while it shows them. */
export interface PreviewRequest {
  width: number;
  height: number;
  intervalMs: number;
}

/** The stdin command that turns a task's pictures on with `request`, or off for null. */
export function previewCommand(request: PreviewRequest | null): PreviewCommand {
  return request ? { cmd: 'preview', on: true, width: request.width, height: request.height, interval_ms: request.intervalMs } : { cmd: 'preview', on: false };
}

import type { Readable } from 'node:stream';
import { checkCommand, type LinesCommand, type PreviewCommand } from '../protocol/commands.js';
import { onNdjsonLines } from '../protocol/ndjson.js';

export interface CommandHandlers {
  stop(): void;
  preview(command: PreviewCommand): void;
  lines(command: LinesCommand): void;
  /** A line that is not JSON or breaks the command schema; `why` names the problem. */
  invalid(line: string, why: string): void;
}

/**
 * The one place where the worker reads its stdin: JSON lines checked against the command schema
 * (src/protocol/commands.ts), each handed to its handler. A closed stdin is not a stop request:
 * `worker … < /dev/null` must still count the whole file.
 */
export class CommandReader {
  constructor(
    private readonly stdin: Readable | null,
    handlers: CommandHandlers,
  ) {
    if (!stdin) return;
    stdin.on('error', () => {});
    onNdjsonLines(stdin, (item) => {
      if (!item.ok) return handlers.invalid(item.line, item.error);
      const checked = checkCommand(item.value);
      if (!checked.ok) return handlers.invalid(item.line, checked.error);
      const command = checked.command;
      switch (command.cmd) {
        case 'stop':
          return handlers.stop();
        case 'preview':
          return handlers.preview(command);
        case 'lines':
          return handlers.lines(command);
      }
    });
  }

  /** Lets go of stdin so that nothing keeps the process alive. */
  dispose(): void {
    if (!this.stdin) return;
    this.stdin.removeAllListeners('data');
    this.stdin.pause();
    this.stdin.destroy();
  }
}

import { escapeControls } from '../common/terminal-text.js';
import { redactText, sourceSecrets } from '../sources/credentials.js';

/**
 * What the worker does to any text before it prints it (events, its stderr line): the source's secrets hidden, control
 * characters escaped. The messages quote ffmpeg's stderr and the source URL, which may hold a password or anything.
 */
export function textCleaner(source: string): (text: string) => string {
  const secrets = sourceSecrets(source);
  return (text) => escapeControls(redactText(text, secrets));
}

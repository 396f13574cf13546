/** The bench's command line, after `node script.js`. */
export const args = process.argv.slice(2);

/** The value after `--name`, or undefined when the option is not given. */
export function argOf(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

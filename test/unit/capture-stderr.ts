/** Runs `fn` with this process's stderr taken into a string (commands run in-process write their messages there). */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const value = await fn();
    return { value, stderr };
  } finally {
    process.stderr.write = write;
  }
}

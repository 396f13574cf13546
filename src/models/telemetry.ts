import { isMainThread } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/**
 * onnxruntime-node (1.29 and later) sends usage telemetry to Microsoft from Linux and macOS too, through its 1DS
 * uploader, which also queues the events on disk under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`. The switch
 * is the environment variable `ORT_DISABLE_TELEMETRY=1` (onnxruntime's POSIX telemetry: no uploader, no device id, no
 * offline cache), read by the native library when it creates its environment, i.e. at the process's first session;
 * onnxruntime-node exposes no API for it. It must be in the real process environment by then. A worker thread's
 * `process.env` is a private copy that the native library does not read, so the thread's creator calls this first.
 */
export function disableOrtTelemetry(): void {
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY = '1';
}

/** Every onnxruntime session of the project (product, tests, benchmarks) is made here, so none is made with telemetry on. */
export function createSession(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  disableOrtTelemetry();
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromModelThread, ToModelThread } from './model-thread.js';

/**
 * The thread's side of a model thread (see model-thread.ts): opens the model, says `ready` (or why it could not),
 * then answers requests one after another (onnxruntime-node yields to the event loop before it runs a session, so a
 * second request must not start while one is pending) until `release`.
 */
export interface ServedModel<Request, Reply> {
  handle(request: Request): Promise<Reply>;
  release(): Promise<void>;
}

export function serveModel<Info, Request, Reply>(open: (data: unknown) => Promise<{ info: Info; model: ServedModel<Request, Reply> }>): void {
  const port = parentPort!;
  // Anything a library prints must not reach the worker's stdout, which carries only events.
  console.log = console.info = console.debug = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);
  const send = (m: FromModelThread<Info, Reply>) => port.postMessage(m);
  const failure = (id: number | null, err: unknown): FromModelThread<Info, Reply> => ({
    type: 'failed',
    id,
    code: typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
  });
  void open(workerData).then(
    ({ info, model }) => {
      send({ type: 'ready', info });
      let queue = Promise.resolve();
      port.on('message', (m: ToModelThread<Request>) => {
        if (m.type === 'release') {
          queue = queue.then(() => model.release()).finally(() => port.close());
          return;
        }
        queue = queue.then(() =>
          model.handle(m).then(
            (reply) => send({ type: 'reply', id: m.id, reply }),
            (err: unknown) => send(failure(m.id, err)),
          ),
        );
      });
    },
    (err: unknown) => send(failure(null, err)),
  );
}

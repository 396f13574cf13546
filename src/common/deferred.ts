/** A promise settled from outside, by code that learns the answer later (an event, a child's exit). */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: Error): void;
}

/** `quiet`: a rejection nobody awaits is not an unhandled rejection (callers may never ask). */
export function deferred<T>(quiet = false): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (quiet) promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Runs tasks one at a time in call order. better-sqlite3 has one connection per store, so while a
 * transaction awaits its callback, every other operation must wait rather than slip into it.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<R>(task: () => R | Promise<R>): Promise<R> {
    // Fast path: nothing queued or running, so a synchronous task can run now, saving two
    // microtask hops per operation; order is unaffected because nothing is ahead of it.
    if (this.pending === 0) {
      this.pending++;
      let result: R | Promise<R>;
      try {
        result = task();
      } catch (err) {
        this.pending--;
        return Promise.reject(err);
      }
      if (!(result instanceof Promise)) {
        this.pending--;
        return Promise.resolve(result);
      }
      return this.track(result);
    }
    this.pending++;
    return this.track(this.tail.then(task));
  }

  private track<R>(promise: Promise<R>): Promise<R> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled;
    void settled.then(() => {
      this.pending--;
    });
    return promise;
  }
}

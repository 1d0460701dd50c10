/**
 * A minimal (not FIFO-fair) async mutex guarding the driver's single DuckDB connection.
 *
 * Kysely's driver contract lets many callers `acquireConnection()` at once; DuckDB
 * runs everything for one connection through one `ClientContext`, so two Kysely
 * operations (say a transaction and an unrelated query) must never interleave on it.
 * This mirrors the mutex in Kysely's own `SqliteDriver`, which has the same shape
 * of problem.
 */
export class ConnectionMutex {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /**
   * Resolves once the caller holds the lock. Waiters re-check in a loop because
   * several of them wake up on the same `unlock()` and only one may win.
   */
  async lock(): Promise<void> {
    while (this.#promise !== undefined) {
      await this.#promise;
    }

    this.#promise = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Releases the lock and wakes every waiter (one of them takes it next). */
  unlock(): void {
    const resolve = this.#resolve;

    this.#promise = undefined;
    this.#resolve = undefined;

    resolve?.();
  }
}

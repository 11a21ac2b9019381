interface Entry<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Largest batch handed to `runBatch`; more waiting items go out in the next one. */
  maxBatch?: number;
  /**
   * Batches in flight at once (unlimited by default). Whatever arrives while the limit is
   * reached goes out together when one settles: under load each commit carries many items
   * (group commit), and when idle nothing waits longer than one turn of the event loop.
   */
  maxInFlight?: number;
}

/**
 * Coalesces calls made by concurrent jobs into one call for all of them: a row read once per
 * batch instead of once per job, a transaction committed once per batch. Items submitted in
 * the same turn of the event loop share a batch. `runBatch` answers each item in order, with a
 * value or an Error that fails that item alone; if it throws, every item of the batch fails.
 */
export class Batcher<I, O> {
  private waiting: Array<Entry<I, O>> = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<Array<O | Error>>,
    private readonly options: BatcherOptions = {},
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private full(): boolean {
    return this.inFlight >= (this.options.maxInFlight ?? Infinity);
  }

  private schedule(): void {
    if (this.scheduled || this.full()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length && !this.full()) {
      const batch = this.waiting.splice(0, this.options.maxBatch ?? this.waiting.length);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        if (this.waiting.length) this.schedule();
      });
    }
  }

  private async run(batch: Array<Entry<I, O>>): Promise<void> {
    let results: Array<O | Error>;
    try {
      results = await this.runBatch(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new Error(`batch answered ${results.length} of ${batch.length} items`);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const result = results[i]!;
      if (result instanceof Error) entry.reject(result);
      else entry.resolve(result);
    });
  }
}

/**
 * A batch write that, when the batch as a whole fails, writes its items one by one, so a bad
 * item fails only its own caller.
 */
export function oneByOneOnFailure<I>(writeMany: (items: I[]) => Promise<void>, writeOne: (item: I) => Promise<void>): (items: I[]) => Promise<Array<void | Error>> {
  return async (items) => {
    try {
      await writeMany(items);
      return items.map(() => undefined);
    } catch {
      const results: Array<void | Error> = [];
      for (const item of items) {
        try {
          await writeOne(item);
          results.push(undefined);
        } catch (error) {
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      return results;
    }
  };
}

/**
 * Gathers writes from concurrent jobs and commits them together: one transaction for many
 * jobs instead of one each, which is where a busy worker spends its time. Each `write`
 * resolves once its item is committed. When a batch fails, its items are written one by one,
 * so one bad item fails only its own job.
 */
export class BatchedWriter<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly writeBatch: (items: T[]) => Promise<void>,
    private readonly writeOne: (item: T) => Promise<void>,
    private readonly options: { maxBatch: number; maxDelayMs: number },
  ) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.maxDelayMs);
    });
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, this.queue.length);
    if (!batch.length) return;
    // One batch at a time: they would only queue on the database's single writer anyway.
    this.running = this.running.then(() => this.commit(batch));
  }

  private async commit(batch: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }>): Promise<void> {
    try {
      await this.writeBatch(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve();
    } catch {
      for (const entry of batch) {
        try {
          await this.writeOne(entry.item);
          entry.resolve();
        } catch (error) {
          entry.reject(error);
        }
      }
    }
  }
}

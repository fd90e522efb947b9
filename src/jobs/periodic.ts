// Work a server repeats on a timer (index upkeep, GitHub stars, digests): never two rounds of the
// same job at once, failures logged rather than thrown, and a stop that waits for the round in
// flight so a shutdown does not cut a transaction's caller off half-way.

export interface PeriodicJob {
  stop(): Promise<void>;
}

export function every(intervalMs: number, work: () => Promise<void>, options: { firstAfterMs?: number; onError: (error: Error) => void }): PeriodicJob {
  let running: Promise<void> | undefined;
  let stopped = false;
  const round = () => {
    if (running || stopped) return;
    running = work()
      .catch((error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(round, options.firstAfterMs ?? intervalMs);
  const timer = setInterval(round, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

// Long work shows progress: a bar on a terminal, a plain line now and then in logs.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, note?: string): void;
  stop(): void;
}

const LOG_EVERY_MS = 5000;

export function createProgress(label: string, total: number, format: (n: number) => string = String): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {done} of {all} | {note}`, stream: process.stderr, hideCursor: true, barsize: 30 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { done: format(0), all: format(total), note: '' });
    return {
      update: (done, note = '') => bar.update(Math.min(done, total), { done: format(done), all: format(total), note }),
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  let lastDone = 0;
  let lastNote = '';
  const log = (done: number, note: string) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    process.stderr.write(`${label}: ${pct}% (${format(done)} of ${format(total)})${note ? ` ${note}` : ''}\n`);
    lastLog = Date.now();
  };
  return {
    update(done, note = '') {
      lastDone = done;
      lastNote = note;
      if (Date.now() - lastLog >= LOG_EVERY_MS) log(done, note);
    },
    stop: () => log(lastDone, lastNote),
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Progress of work in named steps (training, embedding, indexing): one bar or log series per step. */
export function createStepProgress(): { update: (step: string, done: number, total: number) => void; stop: () => void } {
  let current: { step: string; bar: Progress } | undefined;
  return {
    update(step, done, total) {
      if (current?.step !== step) {
        current?.bar.stop();
        current = { step, bar: createProgress(step.padEnd(14), total, formatCount) };
      }
      current.bar.update(done);
    },
    stop: () => current?.bar.stop(),
  };
}

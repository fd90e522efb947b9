// The lines every ingest-like command ends with.
import type { IngestReport } from '../ingest/pipeline.ts';
import { formatCount } from './progress.ts';

const ERRORS_SHOWN = 10;

export function printIngestSummary(report: IngestReport, seconds: number): void {
  const rate = seconds > 0 ? Math.round(report.read / seconds) : report.read;
  const parts = (['read', 'added', 'updated', 'unchanged', 'skipped', 'errors'] as const).map((k) => `${k} ${formatCount(report[k])}`);
  console.log(`${parts.join(' · ')} in ${seconds.toFixed(1)} s (${formatCount(rate)} records/s), ingest run #${report.runId}`);
  for (const e of report.firstErrors.slice(0, ERRORS_SHOWN)) console.log(`  error: ${e.source} ${e.position}: ${e.reason}`);
  if (report.errors > ERRORS_SHOWN) console.log(`  ... and ${formatCount(report.errors - ERRORS_SHOWN)} more; all are listed by: paperboy stats --errors ${report.runId}`);
}

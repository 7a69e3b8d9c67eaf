import type { BlobStore } from '../store/blob-store.ts';
import { runFolder } from './run-report-data.ts';
import { renderRunReport, type RenderRunReportOptions } from './run-report-page.ts';

/** Where {@link writeRunReport} put the report. */
export interface WrittenRunReport {
  /** The store key, `runs/<runId>/report.html`. */
  readonly key: string;
  /** The object's URI: a local file path for a folder store, else `<store uri>/<key>`. */
  readonly uri: string;
  /** The page itself, for a local copy. */
  readonly html: string;
}

/** The store key of a run's report (SPEC §8). */
export function runReportKey(runId: string): string {
  return `${runFolder(runId)}/report.html`;
}

/**
 * Renders a run's report (see `renderRunReport`) and writes it to `runs/<runId>/report.html` in one atomic put,
 * replacing an older one.
 *
 * @throws NotFoundError when the store has no run `runId`; BadInputError for a bad id or unreadable run files.
 */
export async function writeRunReport(store: BlobStore, runId: string, options: RenderRunReportOptions = {}): Promise<WrittenRunReport> {
  const html = await renderRunReport(store, runId, options);
  const key = runReportKey(runId);
  await store.put(key, html);
  return { key, uri: store.localPath?.(key) ?? `${store.uri.replace(/\/+$/, '')}/${key}`, html };
}

import { buildEventTable } from '../src/data/events/build-event-table.ts';
import { eventFilesIn } from '../src/data/events/ingest-events.ts';
import { tableFromColumns, type RawTable } from '../src/data/read-table.ts';
import { restoreUrisInError, stageFlagInputs } from '../src/data/stage-raw-inputs.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { ModelEventsInfo } from '../src/model/model-card.ts';
import type { CommandContext } from './command.ts';

/** Which per-category columns to build: a model's exact categories, or (a config's) only how many of the most frequent. */
export type CategoryColumnsSetting = Pick<ModelEventsInfo, 'topCategories'> & Partial<Pick<ModelEventsInfo, 'categories'>>;

/**
 * The point-in-time feature table (no labels) of the raw logs in `--raw DIR` (a local folder or `s3://bucket/prefix`,
 * streamed to a private folder first) as of `--cutoff DATE` (or `auto`: the day after the last event), and the
 * cutoff as used. With a model's events settings, the per-category columns are the model's, so the rows fit it; with
 * only `topCategories` (a config's), the K most frequent categories get their own columns.
 */
export async function buildRawFeatureTable(
  { flags, env }: Pick<CommandContext, 'flags' | 'env'>,
  events?: CategoryColumnsSetting,
): Promise<{ table: RawTable; cutoff: string }> {
  if (typeof flags.raw !== 'string') throw new BadInputError('needs --raw DIR (a folder with customers, sessions and orders logs)', { value: '--raw' });
  if (typeof flags.cutoff !== 'string') {
    throw new BadInputError('needs --cutoff DATE (features use events before it; auto: the day after the last event), e.g. --cutoff 2024-11-01', { value: '--cutoff' });
  }
  const staged = await stageFlagInputs({ rawDir: flags.raw }, { s3ClientConfig: env.s3ClientConfig });
  try {
    const built = await buildEventTable(eventFilesIn(staged.rawDir ?? flags.raw), {
      cutoff: flags.cutoff,
      labels: false,
      ...(events === undefined ? {} : { topCategories: events.topCategories, ...(events.categories === undefined ? {} : { categories: events.categories }) }),
    });
    // The table outlives the staging folder: it names the logs by their URIs.
    const { source, columns, cells, lines } = built.table;
    return { table: tableFromColumns(staged.restoreUris(source), columns, cells, lines), cutoff: built.cutoff };
  } catch (error) {
    throw restoreUrisInError(error, staged);
  } finally {
    await staged.cleanup();
  }
}

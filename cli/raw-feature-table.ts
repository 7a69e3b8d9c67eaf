import { buildEventTable } from '../src/data/events/build-event-table.ts';
import { eventFilesIn } from '../src/data/events/ingest-events.ts';
import type { RawTable } from '../src/data/read-table.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { ModelEventsInfo } from '../src/model/model-card.ts';
import type { Flags } from './command.ts';

/**
 * The point-in-time feature table (no labels) of the raw logs in `--raw DIR` as of `--cutoff DATE` (or `auto`: the
 * day after the last event), and the cutoff as used. With a model's events settings, the per-category columns are
 * the model's, so the rows fit it.
 */
export async function buildRawFeatureTable(flags: Flags, events?: ModelEventsInfo): Promise<{ table: RawTable; cutoff: string }> {
  if (typeof flags.raw !== 'string') throw new BadInputError('needs --raw DIR (a folder with customers, sessions and orders logs)', { value: '--raw' });
  if (typeof flags.cutoff !== 'string') {
    throw new BadInputError('needs --cutoff DATE (features use events before it; auto: the day after the last event), e.g. --cutoff 2024-11-01', { value: '--cutoff' });
  }
  const built = await buildEventTable(eventFilesIn(flags.raw), {
    cutoff: flags.cutoff,
    labels: false,
    ...(events === undefined ? {} : { categories: events.categories, topCategories: events.topCategories }),
  });
  return { table: built.table, cutoff: built.cutoff };
}

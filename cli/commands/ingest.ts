import { requireTableConfig } from '../../src/config/load-config.ts';
import { ingestTable } from '../../src/data/ingest-table.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import type { Command } from '../command.ts';

/** `tandem ingest`: raw data → a versioned dataset in the store. */
export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'read the config\'s data (or --data) into a versioned, split dataset in the store',
  help: 'The dataset id is derived from the file\'s bytes and the config, so ingesting the same data twice is a no-op.',
  flags: {},
  async run(context) {
    if (context.flags.raw !== undefined) throw new BadInputError('events mode (--raw) is not available yet: use a table-mode config', { value: '--raw' });
    const config = requireTableConfig(await context.requireConfig(), 'ingest');
    const store = await context.store();
    const dataPath = typeof context.flags.data === 'string' ? context.flags.data : undefined;
    const { manifest, created } = await ingestTable(config, store, dataPath === undefined ? {} : { dataPath });
    const rows = manifest.rows.train + manifest.rows.validation + manifest.rows.test;
    const json = { datasetId: manifest.datasetId, rows, features: manifest.featureColumns.length, tasks: manifest.taskStats, created };
    const taskLines = Object.entries(manifest.taskStats).map(
      ([task, stats]) => `  ${task}: ${stats.labelled} labelled${stats.positives === undefined ? '' : `, ${stats.positives} positive`}`,
    );
    const text = [
      `${created ? 'ingested' : 'already ingested'} ${manifest.datasetId}: ${rows} rows (train ${manifest.rows.train}, validation ${manifest.rows.validation}, test ${manifest.rows.test}), ${manifest.featureColumns.length} feature columns`,
      ...taskLines,
    ].join('\n');
    return { json, text };
  },
};

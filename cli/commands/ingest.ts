import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import type { Command } from '../command.ts';
import { dataFlags } from '../data-flags.ts';

/** `tandem ingest`: raw data → a versioned dataset in the store. */
export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'read the config\'s data (a table, or the shop\'s raw logs) into a versioned, split dataset in the store',
  help: 'The dataset id is derived from the file\'s bytes and the config, so ingesting the same data twice is a no-op.',
  flags: {},
  async run(context) {
    const config = await context.requireConfig();
    const store = await context.store();
    const { manifest, created, quarantined } = await ingestDataset(config, store, dataFlags(context));
    const rows = manifest.rows.train + manifest.rows.validation + manifest.rows.test;
    const json = { datasetId: manifest.datasetId, rows, features: manifest.featureColumns.length, tasks: manifest.taskStats, created, quarantined };
    const taskLines = Object.entries(manifest.taskStats).map(
      ([task, stats]) =>
        `  ${task}: ${stats.labelled} labelled${stats.positives === undefined ? '' : `, ${stats.positives} positive`}${
          stats.classes === undefined ? '' : ` (${Object.entries(stats.classes).map(([name, count]) => `${name} ${count}`).join(', ')})`
        }`,
    );
    const text = [
      `${created ? 'ingested' : 'already ingested'} ${manifest.datasetId}: ${rows} rows (train ${manifest.rows.train}, validation ${manifest.rows.validation}, test ${manifest.rows.test}), ${manifest.featureColumns.length} feature columns`,
      ...taskLines,
      ...(quarantined > 0 ? [`  ${quarantined} malformed event rows quarantined (datasets/${manifest.datasetId}/quarantine.csv)`] : []),
    ].join('\n');
    return { json, text };
  },
};

import { writeTable } from '../../src/data/write-table.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { loadModel } from '../../src/model/model-artifacts.ts';
import { championProject, projectFlag } from '../champion-project.ts';
import type { Command } from '../command.ts';
import { buildRawFeatureTable, type CategoryColumnsSetting } from '../raw-feature-table.ts';

/** `tandem features`: events mode's point-in-time feature table. */
export const featuresCommand: Command = {
  name: 'features',
  summary: 'events mode: the point-in-time feature table (one row per customer) of raw logs as of a cutoff',
  help: [
    'Example: npm run --silent tandem -- features --raw .tandem/shop --cutoff 2024-11-01 --out features.csv',
    'With --model, the per-category columns are the ones that model was trained with, so the rows can go to its API;',
    "without it, an events-mode config (--config or tandem.config.json) gives data.topCategories.",
  ].join('\n'),
  flags: {
    cutoff: { type: 'string', valueName: 'DATE', description: 'T: features use events with ts < T (auto: the day after the last event)' },
    out: { type: 'string', valueName: 'FILE', description: 'where to write the table (.csv or .jsonl)' },
    model: { type: 'string', valueName: 'ID|champion|PATH', description: 'build the columns of this events-mode model' },
    project: projectFlag,
  },
  async run(context) {
    if (typeof context.flags.out !== 'string') throw new BadInputError('features needs --out FILE', { value: '--out' });
    let events: CategoryColumnsSetting | undefined;
    if (typeof context.flags.model !== 'string') {
      const config = await context.optionalConfig();
      if (config?.data.kind === 'events') events = { topCategories: config.data.topCategories };
    } else {
      await selectBackend(context.env.backend);
      const store = await context.store();
      const model = await loadModel(store, context.flags.model, context.flags.model === 'champion' ? { project: await championProject(context, store) } : {});
      model.network.dispose();
      events = model.card.events;
      if (events === undefined) throw new BadInputError(`model ${model.modelId} was trained on a table, not on raw logs`, { value: context.flags.model });
    }
    const { table, cutoff } = await buildRawFeatureTable(context, events);
    await writeTable(context.flags.out, table);
    return {
      json: { rows: table.lines.length, columns: table.columns, out: context.flags.out, cutoff },
      text: `${table.lines.length} customers × ${table.columns.length - 1} features as of ${cutoff} → ${context.flags.out}`,
    };
  },
};

import { featuresSchema, modelSchema, selectionSchema } from '../../src/config/schema.ts';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import { findDataset } from '../../src/data/ingest-table.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { trainAndSaveModel } from '../../src/train/train-and-save.ts';
import type { ModelEnsembleInfo } from '../../src/model/model-card.ts';
import type { Command } from '../command.ts';
import { dataFlags } from '../data-flags.ts';
import { formatSplitMetrics, formatTaskDiagnostics } from '../format-metrics.ts';
import { featureFlags, resolveFeaturesConfig } from '../feature-flags.ts';
import { checkTaskWeightsFlag, modelFlags, resolveModelParams } from '../model-flags.ts';
import { createEpochReporter } from '../progress.ts';

/** `tandem train`: one candidate model, saved to the store. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train one multi-task model on a dataset (or straight from --config) and save it to the store',
  help: [
    'Without --dataset, the config\'s data is ingested first (a no-op when already ingested).',
    'Model flags override the config\'s "model" section, --numeric-encoding, --bins, --categorical-embedding, --tree-leaves, --tree-depth and --tree-scores its "features". Example:',
    '  npm run --silent tandem -- train --config examples/telco.config.json --arch single --epochs 20',
  ].join('\n'),
  flags: {
    dataset: { type: 'string', valueName: 'ID', description: 'a dataset id from `tandem ingest`' },
    ...modelFlags,
    ...featureFlags,
  },
  async run(context) {
    const config = await context.optionalConfig();
    const datasetFlag = context.flags.dataset;
    if (config === undefined && typeof datasetFlag !== 'string') {
      throw new BadInputError('train needs --dataset ID or a config (--config FILE)', { value: '--dataset' });
    }
    const store = await context.store();
    const backend = await selectBackend(context.env.backend);
    const params = resolveModelParams(config?.model ?? modelSchema.parse({}), context.flags);
    if (typeof context.flags['task-weights'] === 'string') {
      // The tasks trained are the dataset's with --dataset, else the config's.
      const tasks = typeof datasetFlag === 'string' ? (await findDataset(store, datasetFlag))?.tasks : config?.tasks;
      if (tasks !== undefined) checkTaskWeightsFlag(context.flags, tasks.map((task) => task.name));
    }
    let datasetId: string;
    if (typeof datasetFlag === 'string') {
      datasetId = datasetFlag;
    } else {
      datasetId = (await ingestDataset(config!, store, dataFlags(context))).manifest.datasetId;
    }
    context.log(`training ${params.arch} on ${datasetId} with the ${backend} backend`);
    if (params.bagFolds > 1) context.log(`cross-validation bagging: ${String(params.bagFolds)} copies, each trained on all but one fold of the training + validation rows (the epochs below start again for each)`);
    const reporter = createEpochReporter(context, params.epochs);
    const result = await trainAndSaveModel({
      store,
      datasetId,
      ...(config === undefined ? {} : { name: config.name }),
      params,
      features: resolveFeaturesConfig(config?.features ?? featuresSchema.parse({}), context.flags),
      selection: config?.selection ?? selectionSchema.parse({}),
      ...(config?.segments === undefined ? {} : { segments: config.segments }),
      backend,
      onEpoch: reporter.onEpoch,
    }).finally(reporter.done);
    const diagnostics = formatTaskDiagnostics(result);
    const text = [
      `model ${result.modelId} (${backend}, best epoch ${result.bestEpoch} of ${result.epochsRun}, ${result.seconds.toFixed(1)}s)`,
      `saved to ${result.modelUri}`,
      formatSplitMetrics('validation', result.metrics.validation),
      formatSplitMetrics('test', result.metrics.test),
      ...(result.ensemble === undefined ? [] : [formatEnsemble(result.ensemble)]),
      ...(diagnostics === undefined ? [] : [diagnostics]),
      `promote it with: npm run --silent tandem -- promote --model ${result.modelId}`,
    ].join('\n');
    return { json: result, text };
  },
};

/** The summary line of a seed ensemble or a fold bag. */
function formatEnsemble(ensemble: ModelEnsembleInfo): string {
  const ids = ensemble.members.map((member) => member.id).join(', ');
  const score = ensemble.validationCombinedScore.toFixed(4);
  const best = ensemble.bestMemberValidationCombinedScore.toFixed(4);
  if (ensemble.kind === 'folds') return `bag of ${String(ensemble.members.length)} fold copies (${ids}): out-of-fold validation combined ${score}; the best copy on its own fold ${best}`;
  return `ensemble of seeds ${ids}: validation combined ${score} vs best seed ${best}, ${ensemble.kept ? 'kept the ensemble' : 'kept the best seed'}`;
}

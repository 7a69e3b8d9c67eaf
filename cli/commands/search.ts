import { searchStrategies } from '../../src/config/schema.ts';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { runSearch, type SearchSettings } from '../../src/search/run-search.ts';
import { resolveSearchSpace } from '../../src/search/search-space.ts';
import { runTrialProcess } from '../../src/search/trial-process.ts';
import type { Command } from '../command.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { dataFlags } from '../data-flags.ts';
import { defaultParallelism, trialWorkerCommand } from '../trial-worker-command.ts';

/** `tandem search`: the AutoML search (SPEC §6). */
export const searchCommand: Command = {
  name: 'search',
  summary: 'search architectures, loss weights and hyperparameters (random, tpe or asha); trials run in parallel worker processes',
  help: [
    'Trains a `single` baseline and --trials sampled candidates on the config\'s data, --parallel at a time, each in its',
    'own `tandem trial` process (a crash fails that trial only; it is retried once). ASHA trains every trial for',
    'search.asha.minEpochs and promotes the best 1/η to η times more epochs, resuming from checkpoints.',
    'A stopped search continues with --resume RUNID. Then: tandem report --run RUNID; tandem promote --model <winner>.',
  ].join('\n'),
  flags: {
    trials: { type: 'string', valueName: 'N', description: 'sampled trials (default: search.trials, 20)' },
    parallel: { type: 'string', valueName: 'P', description: 'trials at once (default: number of cores)' },
    strategy: { type: 'string', valueName: 'NAME', description: `${searchStrategies.join(', ')} (default: search.strategy, tpe)` },
    'budget-minutes': { type: 'string', valueName: 'M', description: 'start no trial after M minutes' },
    seed: { type: 'string', valueName: 'N', description: 'sampler seed (default: search.seed, 42)' },
    resume: { type: 'string', valueName: 'RUNID', description: 'continue a stopped search without redoing finished trials' },
  },
  async run(context) {
    const store = await context.store();
    const parallelFlag = readNumericFlag(context.flags, 'parallel', { min: 1 });
    const launch = (spec: Parameters<typeof runTrialProcess>[0], onStart: (pid: number) => void): Promise<void> =>
      runTrialProcess(spec, trialWorkerCommand(store.uri, context.env.backend), onStart);
    const common = { store, launch, log: context.log, ...(parallelFlag === undefined ? {} : { parallel: parallelFlag }) };
    let result;
    if (typeof context.flags.resume === 'string') {
      result = await runSearch({ ...common, resumeRunId: context.flags.resume });
    } else {
      const config = await context.requireConfig();
      const { manifest } = await ingestDataset(config, store, dataFlags(context.flags));
      const strategy = context.flags.strategy ?? config.search.strategy;
      if (!searchStrategies.includes(strategy as SearchSettings['strategy'])) {
        throw new BadInputError(`--strategy: expected one of ${searchStrategies.join(', ')}, got "${String(strategy)}"`, { value: strategy });
      }
      const taskNames = config.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
      const budget = readNumericFlag(context.flags, 'budget-minutes', { min: 0.01, integer: false }) ?? config.search.budgetMinutes;
      const settings: SearchSettings = {
        strategy: strategy as SearchSettings['strategy'],
        trials: readNumericFlag(context.flags, 'trials', { min: 1 }) ?? config.search.trials,
        parallel: parallelFlag ?? config.search.parallel ?? defaultParallelism(),
        seed: readNumericFlag(context.flags, 'seed') ?? config.search.seed,
        startupTrials: config.search.startupTrials,
        asha: config.search.asha,
        space: resolveSearchSpace(config.search.space, taskNames),
        ...(budget === undefined ? {} : { budgetMinutes: budget }),
      };
      context.log(`search: ${settings.strategy}, ${settings.trials} trials + a single baseline, ${settings.parallel} at a time, on ${manifest.datasetId}`);
      result = await runSearch({
        ...common,
        start: { settings, defaults: { name: config.name, datasetId: manifest.datasetId, tasks: manifest.tasks, params: config.model, features: config.features, selection: config.selection } },
      });
    }
    const { run, leaderboard } = result;
    const ranked = [...leaderboard].sort((a, b) => (b.metrics?.validation.combinedScore ?? -Infinity) - (a.metrics?.validation.combinedScore ?? -Infinity));
    const fmt = (value: number | null | undefined, digits = 4): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));
    const lines = ranked.map(
      (row) =>
        `  ${row.trialId === run.bestTrialId ? '*' : ' '} ${row.trialId}  ${row.status.padEnd(9)} ${row.config.arch.padEnd(13)} val ${fmt(row.metrics?.validation.combinedScore)}  test ${fmt(row.metrics?.test.combinedScore)}  Δm ${row.metrics?.test.deltaM == null ? 'n/a' : `${(row.metrics.test.deltaM * 100).toFixed(2)}%`}  epochs ${row.epochs}${row.error === undefined ? '' : `  (${row.error})`}`,
    );
    const best = leaderboard.find((row) => row.trialId === run.bestTrialId);
    const text = [
      `run ${run.runId} ${run.status}: ${leaderboard.length} trials, ${run.totalEpochs} epochs in total`,
      ...lines,
      best?.modelId == null ? 'no trial met every floor with a saved model' : `winner ${best.trialId}: model ${best.modelId}; promote with: npm run --silent tandem -- promote --model ${best.modelId}`,
    ].join('\n');
    return { json: { runId: run.runId, leaderboard, bestTrialId: run.bestTrialId, bestModelId: best?.modelId ?? null, status: run.status, totalEpochs: run.totalEpochs }, text };
  },
};

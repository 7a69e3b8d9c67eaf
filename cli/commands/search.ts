import { maxSearchEnsembleCount, searchStrategies } from '../../src/config/schema.ts';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import { InterruptedError } from '../../src/errors/interrupted-error.ts';
import { runSearch } from '../../src/search/run-search.ts';
import type { Command } from '../command.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { dataFlags } from '../data-flags.ts';
import { localTrialLauncher, resolveSearchSettings, resumeCommand, runLocalSearch, selectClosingBackend } from '../local-search.ts';
import { fixedTrialsText } from '../../src/search/search-settings.ts';

/** `tandem search`: the AutoML search (SPEC §6). */
export const searchCommand: Command = {
  name: 'search',
  summary: 'search architectures, loss weights and hyperparameters (random, tpe or asha); trials run in parallel worker processes',
  help: [
    'Trains a `single` baseline and --trials sampled candidates on the config\'s data, --parallel at a time, each in its',
    'own `tandem trial` process (a crash fails that trial only; it is retried once). ASHA trains every trial for',
    'search.asha.minEpochs and promotes the best 1/η to η times more epochs, resuming from checkpoints.',
    'A stopped search continues with --resume RUNID. Then: tandem report --run RUNID; tandem promote --model <winner>.',
    'A finished one closes again with other ensemble settings, no trial retrained (only fold copies are trained):',
    '--resume RUNID --ensemble-top-k 8 --ensemble-folds 5. The closing prints how many copies and about how long first.',
    '',
    'The run id is the first line on stderr. Ctrl-C or SIGTERM stops the search: no trial starts after it, running',
    'workers get SIGTERM (SIGKILL 3 s later), their trials are recorded as interrupted (not failed), run.json says',
    '`interrupted`, the resume command is printed, and the exit status is 130 (SIGINT) or 143 (SIGTERM). A second',
    'Ctrl-C kills the workers and exits at once.',
  ].join('\n'),
  flags: {
    trials: { type: 'string', valueName: 'N', description: 'sampled trials (default: search.trials, 20)' },
    parallel: { type: 'string', valueName: 'P', description: 'trials at once (default: number of cores)' },
    strategy: { type: 'string', valueName: 'NAME', description: `${searchStrategies.join(', ')} (default: search.strategy, tpe)` },
    'budget-minutes': { type: 'string', valueName: 'M', description: 'start no trial (nor fold copy of the closing) after M minutes' },
    seed: { type: 'string', valueName: 'N', description: 'sampler seed (default: search.seed, 42)' },
    resume: { type: 'string', valueName: 'RUNID', description: 'continue a stopped search without redoing finished trials' },
    'ensemble-top-k': {
      type: 'string',
      valueName: 'K',
      description: 'close with an ensemble of up to K trials (default: search.ensembleTopK, 1 = off); with --resume, a finished run is closed again so, no trial retrained',
    },
    'ensemble-folds': {
      type: 'string',
      valueName: 'K',
      description: 'judge that ensemble out of fold: its trials re-trained as K fold copies (default: search.ensembleFolds, 1 = off); with --resume too',
    },
  },
  async run(context) {
    const stop = context.takeOverStop();
    const store = await context.store();
    const parallel = readNumericFlag(context.flags, 'parallel', { min: 1 });
    const closing = {
      ensembleTopK: readNumericFlag(context.flags, 'ensemble-top-k', { min: 1, max: maxSearchEnsembleCount }),
      ensembleFolds: readNumericFlag(context.flags, 'ensemble-folds', { min: 1, max: maxSearchEnsembleCount }),
    };
    let result;
    if (typeof context.flags.resume === 'string') {
      const backendLine = await selectClosingBackend(context);
      result = await runSearch({
        store,
        launch: localTrialLauncher(store, context, stop),
        log: context.log,
        resumeRunId: context.flags.resume,
        signal: stop.signal,
        ...(closing.ensembleTopK === undefined && closing.ensembleFolds === undefined ? {} : { closing }),
        onRun: (run) => {
          context.log(`search run ${run.runId} resumed: ${run.strategy}, ${run.trials} trials + ${fixedTrialsText(run.settings)}, ${parallel ?? run.parallel} at a time${closingText(run.settings)}`);
          context.log(backendLine);
        },
        ...(parallel === undefined ? {} : { parallel }),
      });
    } else {
      const config = await context.requireConfig();
      const { manifest } = await ingestDataset(config, store, dataFlags(context));
      const settings = resolveSearchSettings(config, {
        strategy: typeof context.flags.strategy === 'string' ? context.flags.strategy : undefined,
        trials: readNumericFlag(context.flags, 'trials', { min: 1 }),
        parallel,
        seed: readNumericFlag(context.flags, 'seed'),
        budgetMinutes: readNumericFlag(context.flags, 'budget-minutes', { min: 0.01, integer: false }),
        ...closing,
      });
      result = await runLocalSearch(context, store, config, manifest, settings, stop);
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
    const json = { runId: run.runId, leaderboard, bestTrialId: run.bestTrialId, bestModelId: best?.modelId ?? null, status: run.status, totalEpochs: run.totalEpochs };
    if (run.status === 'interrupted') {
      // The leaderboard so far on stdout (--json: the same document, status "interrupted"); how to go on on stderr.
      context.announce({ json, text: text.split('\n').slice(0, -1).join('\n') });
      const signal = typeof stop.signal.reason === 'string' ? stop.signal.reason : 'SIGINT';
      const stopped = leaderboard.filter((row) => row.status === 'interrupted').length;
      throw new InterruptedError(
        `interrupted by ${signal}: run ${run.runId} is marked interrupted (${stopped} running trial${stopped === 1 ? '' : 's'} stopped, to be trained again); resume with: ${await resumeCommand(context, store, run.runId)}`,
        { signal, runId: run.runId },
      );
    }
    return { json, text };
  },
};

/** `; closing with an ensemble of up to 8 trials, judged out of 5 folds`, or nothing when the run closes on its best trial. */
function closingText({ ensembleTopK, ensembleFolds }: { ensembleTopK?: number; ensembleFolds?: number }): string {
  if (ensembleTopK === undefined) return '';
  return `; closing with an ensemble of up to ${String(ensembleTopK)} trials${ensembleFolds === undefined ? '' : `, judged out of ${String(ensembleFolds)} folds`}`;
}

// ASHA against random search on the same config, trials and seed (issue 4's comparison): prints one JSON line with
// each strategy's best validation combined score and the epochs it spent. Usage:
//   npm run --silent bench:asha -- [config=examples/telco.config.json] [--trials 12] [--parallel 2] [--seed 42]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadTableConfig } from '../src/config/load-config.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import { runSearch } from '../src/search/run-search.ts';
import { resolveSearchSpace } from '../src/search/search-space.ts';
import type { SearchSettings } from '../src/search/stored-run.ts';
import { runTrialProcess } from '../src/search/trial-process.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trialWorkerCommand } from '../cli/trial-worker-command.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { trials: { type: 'string', default: '12' }, parallel: { type: 'string', default: '2' }, seed: { type: 'string', default: '42' } },
});
const configFile = positionals[0] ?? 'examples/telco.config.json';
const { config } = await loadTableConfig(configFile);
const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-asha-bench-'));
const store = new FileStore(dir);
try {
  const { manifest } = await ingestTable(config, store);
  const taskNames = config.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  const maxEpochs = config.search.asha.maxEpochs;
  // Both strategies draw from the same space; epochs are fixed at ASHA's top rung so random trials get full budgets.
  const space = resolveSearchSpace({ ...config.search.space, epochs: null }, taskNames);
  const results: Record<string, unknown> = {};
  for (const strategy of ['random', 'asha'] as const) {
    const settings: SearchSettings = {
      strategy,
      trials: Number(values.trials),
      parallel: Number(values.parallel),
      seed: Number(values.seed),
      startupTrials: config.search.startupTrials,
      asha: config.search.asha,
      space,
    };
    const started = performance.now();
    const { run, leaderboard } = await runSearch({
      store,
      start: { settings, defaults: { name: `${config.name}_${strategy}`, datasetId: manifest.datasetId, tasks: manifest.tasks, params: { ...config.model, epochs: maxEpochs }, features: config.features, selection: config.selection } },
      launch: (spec, onStart) => runTrialProcess(spec, trialWorkerCommand(store.uri, undefined), onStart),
      log: (line) => process.stderr.write(`${strategy}: ${line}\n`),
    });
    const sampled = leaderboard.filter((row) => !row.baseline);
    const best = sampled.reduce((top, row) => Math.max(top, row.metrics?.validation.combinedScore ?? -Infinity), -Infinity);
    results[strategy] = {
      runId: run.runId,
      bestValidationScore: Number(best.toFixed(4)),
      bestTrialId: run.bestTrialId,
      epochs: sampled.reduce((sum, row) => sum + row.epochs, 0),
      completed: sampled.filter((row) => row.status === 'completed').length,
      pruned: sampled.filter((row) => row.status === 'pruned').length,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
  }
  const random = results.random as { bestValidationScore: number; epochs: number };
  const asha = results.asha as { bestValidationScore: number; epochs: number };
  console.log(
    JSON.stringify({
      bench: 'asha-vs-random',
      config: config.name,
      trials: Number(values.trials),
      seed: Number(values.seed),
      asha: config.search.asha,
      results,
      scoreGap: Number((random.bestValidationScore - asha.bestValidationScore).toFixed(4)),
      epochRatio: Number((asha.epochs / random.epochs).toFixed(3)),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

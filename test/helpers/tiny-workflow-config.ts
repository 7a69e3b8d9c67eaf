import { tinyDataFile } from './train-tiny-model.ts';

/**
 * The fixture table with tiny networks and a two-rung ASHA (1 → 2 epochs), so a whole `tandem run` takes seconds.
 * `search` settings are merged in (tests that count the trials of a rung leave out `linearTrial`).
 */
export function tinyWorkflowConfig(search: Record<string, unknown> = {}): unknown {
  return {
    name: 'fixture',
    data: { path: tinyDataFile, id: 'customer_id', exclude: ['note'] },
    tasks: [
      { name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } },
      { name: 'spend', type: 'regression', label: { column: 'monthly' } },
    ],
    split: { test: 0.2, validation: 0.2, seed: 7 },
    model: { epochs: 2, sharedUnits: [8], towerUnits: [4], batchSize: 16, patience: 3 },
    search: { strategy: 'asha', asha: { eta: 2, minEpochs: 1, maxEpochs: 2 }, ...search },
  };
}

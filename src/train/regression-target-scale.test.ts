import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema } from '../config/schema.ts';
import type { DatasetSplits, LabelledRow } from '../data/labelled-row.ts';
import type { RegressionTaskMetrics } from '../metrics/task-metrics.ts';
import { selectBackend } from '../model/backend.ts';
import { syntheticSplits, syntheticTasks } from '../../test/helpers/synthetic-splits.ts';
import { trainCandidate, type TrainedCandidate } from './train-candidate.ts';

/** The synthetic splits with the `spend` label of every row replaced by `spend(row, i)`. */
function withSpend(spend: (row: LabelledRow, i: number) => number | null): DatasetSplits {
  const { splits } = syntheticSplits(240);
  const map = (rows: readonly LabelledRow[], offset: number): LabelledRow[] => rows.map((row, i) => ({ ...row, labels: { ...row.labels, spend: spend(row, offset + i) } }));
  return { train: map(splits.train, 0), validation: map(splits.validation, 1000), test: map(splits.test, 2000) };
}

async function train(splits: DatasetSplits): Promise<TrainedCandidate> {
  const { featureColumns } = syntheticSplits(2);
  return trainCandidate({
    splits,
    featureColumns,
    tasks: syntheticTasks,
    params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 3, batchSize: 64 }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
  });
}

void describe('regression targets with a degenerate or large scale', () => {
  before(async () => {
    await selectBackend();
  });

  void it('trains a constant target (standard deviation 0) against its mean, with finite metrics', async () => {
    const candidate = await train(withSpend(() => 1e9));
    try {
      assert.deepEqual(candidate.targetScales.spend, { mean: 1e9, std: 1, nonNegative: true });
      const spend = candidate.metrics.test.tasks.spend as RegressionTaskMetrics;
      assert.ok(spend.rmse !== null && Number.isFinite(spend.rmse) && spend.rmse < 100, `rmse ${String(spend.rmse)}`);
      assert.ok(Number.isFinite(candidate.metrics.test.combinedScore));
    } finally {
      candidate.network.training.dispose();
      candidate.network.serving.dispose();
    }
  });

  void it('trains large but legitimate revenue (around 1e9) with finite predictions and metrics', async () => {
    const candidate = await train(withSpend((row) => 1e9 + 1e7 * Number(row.features.a)));
    try {
      const spend = candidate.metrics.test.tasks.spend as RegressionTaskMetrics;
      for (const value of [spend.rmse, spend.mae, spend.r2, candidate.metrics.test.combinedScore]) assert.ok(typeof value === 'number' && Number.isFinite(value), String(value));
      assert.ok(candidate.targetScales.spend!.std > 1e6);
    } finally {
      candidate.network.training.dispose();
      candidate.network.serving.dispose();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTaskDiagnostics, summarizeTaskDiagnostics } from './task-diagnostics-summary.ts';
import type { EpochRecord } from './training-state.ts';

const history: EpochRecord[] = [
  { epoch: 1, trainLoss: 1.2, validationScore: 0.6, seconds: 0.1, taskWeights: { churn: 1, spend: 1 }, gradientCosine: { 'churn|spend': 0.5 } },
  { epoch: 2, trainLoss: 1.0, validationScore: 0.65, seconds: 0.1, taskWeights: { churn: 1.4, spend: 0.6 }, gradientCosine: { 'churn|spend': -0.25 } },
  { epoch: 3, trainLoss: 0.9, validationScore: 0.66, seconds: 0.1, taskWeights: { churn: 1.5, spend: Number.NaN } },
];

describe('summarizeTaskDiagnostics', () => {
  it('turns a history into per-epoch weights and gradient cosines, plus the label correlation', () => {
    assert.deepEqual(summarizeTaskDiagnostics(history, { 'churn|spend': 0.31, 'churn|other': Number.NaN }), {
      taskWeightHistory: [
        { epoch: 1, weights: { churn: 1, spend: 1 } },
        { epoch: 2, weights: { churn: 1.4, spend: 0.6 } },
        { epoch: 3, weights: { churn: 1.5 } },
      ],
      diagnostics: {
        gradientCosine: [
          { epoch: 1, pairs: { 'churn|spend': 0.5 } },
          { epoch: 2, pairs: { 'churn|spend': -0.25 } },
        ],
        labelCorrelation: { 'churn|spend': 0.31 },
      },
    });
  });

  it('leaves gradient cosines empty when the architecture shares nothing, and skips epochs without weights', () => {
    const single: EpochRecord[] = [{ epoch: 1, trainLoss: 1, validationScore: null, seconds: 0 }, { epoch: 2, trainLoss: 1, validationScore: null, seconds: 0, taskWeights: { churn: 1 } }];
    assert.deepEqual(summarizeTaskDiagnostics(single, {}), { taskWeightHistory: [{ epoch: 2, weights: { churn: 1 } }], diagnostics: { gradientCosine: [], labelCorrelation: {} } });
  });
});

describe('readTaskDiagnostics', () => {
  it('reads a stored summary, derives one from the history of an older file, and gives undefined for neither', () => {
    const stored = summarizeTaskDiagnostics(history, { 'churn|spend': 0.31 });
    assert.deepEqual(readTaskDiagnostics({ ...stored, history }), stored);
    assert.deepEqual(readTaskDiagnostics({ history }), summarizeTaskDiagnostics(history, {}));
    assert.deepEqual(readTaskDiagnostics({ taskWeightHistory: [] }), { taskWeightHistory: [], diagnostics: { gradientCosine: [], labelCorrelation: {} } });
    assert.equal(readTaskDiagnostics({}), undefined);
    assert.equal(readTaskDiagnostics(undefined), undefined);
  });
});

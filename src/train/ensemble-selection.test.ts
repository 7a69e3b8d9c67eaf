import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryTask as task, noisyCandidates } from '../../test/helpers/noisy-candidates.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import type { SplitLabels } from './encoded-split.ts';
import { selectEnsembleWeights } from './ensemble-selection.ts';
import type { TrainTask } from './train-task.ts';

const rows = 600;
const { validation, candidate } = noisyCandidates(7, rows);
const tasks = [task('a'), task('b')];
const score = (predictions: Record<string, Float32Array>): number =>
  evaluatePredictions(predictions, validation, tasks, chooseThresholds(predictions, validation, tasks), {}).combinedScore as number;

describe('selectEnsembleWeights', () => {
  const candidates = [candidate(1, 1), candidate(0.3, 3), candidate(3, 0.3), candidate(1.2, 1.2), candidate(1.2, 1.2)];

  it('from one start (initialSize 1), each task starts from its best candidate and adds others only while it improves on validation', () => {
    const weights = selectEnsembleWeights({ candidates, validation, tasks, maxMembers: 5, initialSize: 1 });
    const a = weights.a as number[];
    const b = weights.b as number[];
    assert.equal(a.length, candidates.length);
    assert.ok((a[1] as number) >= 1 && a[1] === Math.max(...a), `task a leans on candidate 1: ${a}`);
    assert.ok((b[2] as number) >= 1 && b[2] === Math.max(...b), `task b leans on candidate 2: ${b}`);
    // The weighted averages, task by task, beat every single candidate on the combined score.
    const mix = (name: 'a' | 'b', counts: number[]): Float32Array => {
      const total = counts.reduce((s, c) => s + c, 0);
      return Float32Array.from({ length: rows }, (_, i) => counts.reduce((s, c, k) => s + (c * (candidates[k]?.[name] as Float32Array)[i]!) / total, 0));
    };
    const ensemble = score({ a: mix('a', a), b: mix('b', b) });
    for (const [k, single] of candidates.entries()) assert.ok(ensemble >= score(single), `ensemble ${ensemble} vs candidate ${k} ${score(single)}`);
  });

  it('by default each task starts from its several best candidates, equally weighted: the one best for it always among them', () => {
    const weights = selectEnsembleWeights({ candidates, validation, tasks, maxMembers: 5, initialSize: 3, maxSteps: 0 });
    assert.equal((weights.a as number[]).filter((c) => c > 0).length, 3);
    assert.equal(weights.a?.[1], 1, 'task a starts with candidate 1');
    assert.equal(weights.b?.[2], 1, 'task b starts with candidate 2');
    assert.equal(weights.a?.[2], 0, 'candidate 2, which barely sees task a, is not among its three best');
  });

  it('judges each task by its validation loss (log loss; RMSE for regression), not by its ranking alone', () => {
    // Candidate 0 ranks every row as candidate 1 does (same AUC, also of a regression task's event) but with
    // probabilities squeezed towards 0.5 and values shifted: only a loss tells them apart, and it prefers candidate 1.
    const fitted = candidate(0.5, 0.5) as { a: Float32Array; b: Float32Array };
    const squeezed = { a: fitted.a.map((p) => 0.4 + 0.2 * p), b: fitted.b.map((p) => 0.4 + 0.2 * p) };
    const regression: TrainTask = { name: 'spend', type: 'regression', units: 1, loss: 'mse', weight: 1, auxiliary: false, positiveAbove: 0.5 };
    const labelled: SplitLabels = { labels: { ...validation.labels, spend: fitted.a.map((p) => 2 * p) } };
    const pair = [
      { ...squeezed, spend: fitted.a.map((p) => 2 * p + 1) },
      { ...fitted, spend: fitted.a.map((p) => 2 * p + 0.01) },
    ];
    const weights = selectEnsembleWeights({ candidates: pair, validation: labelled, tasks: [...tasks, regression], maxMembers: 2, initialSize: 1, maxSteps: 0 });
    assert.deepEqual(weights, { a: [0, 1], b: [0, 1], spend: [0, 1] });
  });

  it('uses at most maxMembers distinct candidates, and the first alone for an auxiliary task with none chosen otherwise', () => {
    const two = selectEnsembleWeights({ candidates, validation, tasks, maxMembers: 2 });
    const used = candidates.map((_, k) => k).filter((k) => (two.a?.[k] ?? 0) + (two.b?.[k] ?? 0) > 0);
    assert.ok(used.length <= 2, `used ${used}`);
    const withAuxiliary = selectEnsembleWeights({ candidates, validation, tasks: [task('a'), task('b', true)], maxMembers: 3 });
    const usedByA = (withAuxiliary.a as number[]).map((c) => (c > 0 ? 1 : 0));
    assert.deepEqual(withAuxiliary.b, usedByA, 'the auxiliary task weighs the used candidates equally');
    const one = selectEnsembleWeights({ candidates: [candidates[0] as Record<string, Float32Array>], validation, tasks, maxMembers: 3 });
    assert.deepEqual(one, { a: [1], b: [1] });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { selectBaggedEnsembleWeights } from './bagged-ensemble-selection.ts';
import type { EncodedSplit } from './encoded-split.ts';
import type { TrainTask } from './train-task.ts';

const rows = 600;
const random = createSeededRandom(5);
const truth = { a: Float32Array.from({ length: rows }, () => random.normal()), b: Float32Array.from({ length: rows }, () => random.normal()) };
const validation: EncodedSplit = {
  rows,
  width: 0,
  x: new Float32Array(0),
  labels: { a: truth.a.map((v) => (v + 0.5 * random.normal() > 0 ? 1 : 0)), b: truth.b.map((v) => (v + 0.5 * random.normal() > 0 ? 1 : 0)) },
  ids: Array.from({ length: rows }, (_, i) => `r${i}`),
};
const tasks: TrainTask[] = ['a', 'b'].map((name) => ({ name, type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false }));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const candidate = (noise: number): Record<string, Float32Array> => ({ a: truth.a.map((v) => sigmoid(v + noise * random.normal())), b: truth.b.map((v) => sigmoid(v + noise * random.normal())) });

describe('selectBaggedEnsembleWeights', () => {
  const candidates = [candidate(0.3), ...Array.from({ length: 15 }, () => candidate(1.5))];

  it('gives each task integer weights of about `units` in all, over at most maxMembers candidates, the same for a seed', () => {
    const weights = selectBaggedEnsembleWeights({ candidates, validation, tasks, maxMembers: 6 });
    assert.deepEqual(selectBaggedEnsembleWeights({ candidates, validation, tasks, maxMembers: 6 }), weights);
    const used = new Set<number>();
    for (const task of tasks) {
      const taskWeights = weights[task.name] as number[];
      assert.equal(taskWeights.length, candidates.length);
      assert.ok(taskWeights.every((w) => Number.isInteger(w) && w >= 0));
      const total = taskWeights.reduce((sum, w) => sum + w, 0);
      assert.ok(Math.abs(total - 20) <= 3, `${task.name}: ${total}`);
      taskWeights.forEach((w, i) => w > 0 && used.add(i));
    }
    assert.ok(used.size <= 6, `members ${[...used]}`);
  });

  it('keeps the clearly best candidate (in every bag) as the heaviest member of every task', () => {
    const weights = selectBaggedEnsembleWeights({ candidates, validation, tasks, maxMembers: 6 });
    for (const task of tasks) {
      const taskWeights = weights[task.name] as number[];
      assert.equal(taskWeights.indexOf(Math.max(...taskWeights)), 0, `${task.name}: ${taskWeights}`);
    }
  });

  it('with one bag holding every candidate, is plain ensemble selection rescaled', () => {
    const weights = selectBaggedEnsembleWeights({ candidates, validation, tasks, maxMembers: 16, bags: 1, fraction: 1, units: 1000 });
    assert.ok((weights.a as number[]).filter((w) => w > 0).length >= 2, 'selection averages several candidates');
  });
});

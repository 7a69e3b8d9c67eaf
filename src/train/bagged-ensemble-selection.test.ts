import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryTask, noisyCandidates } from '../../test/helpers/noisy-candidates.ts';
import { selectBaggedEnsembleWeights } from './bagged-ensemble-selection.ts';

const { validation, candidate: noisy } = noisyCandidates(5, 600);
const tasks = [binaryTask('a'), binaryTask('b')];
const candidate = (noise: number): Record<string, Float32Array> => noisy(noise, noise);

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

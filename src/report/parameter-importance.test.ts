import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeParameterImportance } from './parameter-importance.ts';

const byName = (entries: ReturnType<typeof computeParameterImportance>) => new Map(entries.map((entry) => [entry.param, entry]));

describe('computeParameterImportance', () => {
  it('is |Spearman ρ| of a numeric parameter with the score, with the sign kept apart', () => {
    const samples = [0.001, 0.003, 0.01, 0.03].map((learningRate, i) => ({ sample: { learningRate, dropout: [0.1, 0.3, 0.2, 0.4][i] }, score: 0.9 - i * 0.1 }));
    const result = byName(computeParameterImportance(samples));
    assert.equal(result.get('learningRate')?.importance, 1);
    assert.equal(result.get('learningRate')?.correlation, -1);
    assert.equal(result.get('learningRate')?.kind, 'numeric');
    // Ranks 1 3 2 4 against 4 3 2 1: ρ = 1 − 6·18 / (4·15) = −0.8.
    assert.ok(Math.abs((result.get('dropout')?.importance as number) - 0.8) < 1e-12);
  });

  it('ranks categories by their mean score: a category that alone decides the score is fully important', () => {
    const samples = [
      { sample: { arch: 'mmoe', seedLike: 'a' }, score: 0.8 },
      { sample: { arch: 'single', seedLike: 'b' }, score: 0.6 },
      { sample: { arch: 'mmoe', seedLike: 'b' }, score: 0.8 },
      { sample: { arch: 'shared-bottom', seedLike: 'a' }, score: 0.7 },
      { sample: { arch: 'single', seedLike: 'a' }, score: 0.6 },
    ];
    const result = byName(computeParameterImportance(samples));
    assert.equal(result.get('arch')?.kind, 'categorical');
    assert.equal(result.get('arch')?.importance, 1);
    assert.ok((result.get('seedLike')?.importance as number) < 0.5);
  });

  it('splits simplex task weights per task and skips inactive parameters', () => {
    const samples = [
      { sample: { taskWeights: { churn: 0.2, spend: 0.8 }, experts: 2 }, score: 0.5 },
      { sample: { taskWeights: { churn: 0.5, spend: 0.5 } }, score: 0.6 },
      { sample: { taskWeights: { churn: 0.7, spend: 0.3 }, experts: 4 }, score: 0.7 },
      { sample: { taskWeights: { churn: 0.9, spend: 0.1 }, experts: 8 }, score: 0.8 },
    ];
    const result = byName(computeParameterImportance(samples));
    assert.equal(result.get('taskWeights.churn')?.correlation, 1);
    assert.equal(result.get('taskWeights.spend')?.correlation, -1);
    assert.equal(result.get('experts')?.trials, 3);
    assert.equal(result.has('taskWeights'), false);
  });

  it('reports nothing for too few trials or no variation, and lists those last', () => {
    const few = computeParameterImportance([
      { sample: { dropout: 0.1 }, score: 0.5 },
      { sample: { dropout: 0.2 }, score: 0.6 },
    ]);
    assert.equal(few[0]?.importance, null);
    const flat = computeParameterImportance([0.1, 0.2, 0.3].map((dropout) => ({ sample: { dropout, batchSize: 64 }, score: dropout })));
    assert.deepEqual(flat.map((entry) => [entry.param, entry.importance]), [['dropout', 1], ['batchSize', null]]);
    assert.deepEqual(computeParameterImportance([]), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeRungs, findAshaPromotion, type AshaTrial } from './asha.ts';

const trial = (trialId: string, rungScores: (number | null)[], extra: Partial<AshaTrial> = {}): AshaTrial => ({ trialId, rungScores, busy: false, finished: false, ...extra });

describe('computeRungs', () => {
  it('multiplies by η up to the maximum', () => {
    assert.deepEqual(computeRungs({ eta: 3, minEpochs: 3, maxEpochs: 27 }), [3, 9, 27]);
    assert.deepEqual(computeRungs({ eta: 2, minEpochs: 2, maxEpochs: 10 }), [2, 4, 8, 10]);
    assert.deepEqual(computeRungs({ eta: 3, minEpochs: 5, maxEpochs: 5 }), [5]);
    assert.throws(() => computeRungs({ eta: 1, minEpochs: 3, maxEpochs: 27 }), /eta/);
  });
});

describe('findAshaPromotion', () => {
  it('promotes nobody until a rung has η finished trials', () => {
    assert.equal(findAshaPromotion([trial('a', [0.9]), trial('b', [0.8])], 3, 3), undefined);
  });

  it('promotes the best of the top 1/η at rung 0', () => {
    const trials = [trial('a', [0.7]), trial('b', [0.9]), trial('c', [0.8])];
    assert.deepEqual(findAshaPromotion(trials, 3, 3), { trialId: 'b', toRung: 1 });
  });

  it('skips busy, finished and already promoted trials, and never promotes outside the top 1/η', () => {
    const trials = [trial('a', [0.7]), trial('b', [0.9], { busy: true }), trial('c', [0.8])];
    assert.equal(findAshaPromotion(trials, 3, 3), undefined, 'c is not in the top third');
    const promoted = [trial('a', [0.7]), trial('b', [0.9, 0.91]), trial('c', [0.8])];
    assert.equal(findAshaPromotion(promoted, 3, 3), undefined);
    const six = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((s, i) => trial(`t${i}`, [s], i === 5 ? { finished: true } : {}));
    assert.deepEqual(findAshaPromotion(six, 3, 3), { trialId: 't4', toRung: 1 });
  });

  it('when finishing, promotes each rung\'s best even with fewer than η trials there', () => {
    const trials = [trial('a', [0.7, 0.8]), trial('b', [0.9, 0.75]), trial('c', [0.8])];
    assert.equal(findAshaPromotion(trials, 3, 3), undefined);
    assert.deepEqual(findAshaPromotion(trials, 3, 3, { finishing: true }), { trialId: 'a', toRung: 2 });
  });

  it('prefers promotions from the highest rung', () => {
    const trials = [
      ...[0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98].map((s, i) => trial(`r${i}`, [s])),
      trial('x', [0.99, 0.9]),
      trial('y', [0.99, 0.8]),
      trial('z', [0.99, 0.85]),
    ];
    assert.deepEqual(findAshaPromotion(trials, 3, 3), { trialId: 'x', toRung: 2 });
  });
});

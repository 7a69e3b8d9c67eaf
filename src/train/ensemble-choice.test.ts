import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import type { EncodedSplit } from './encoded-split.ts';
import { crossValidateEnsembleChoice } from './ensemble-choice.ts';
import type { TrainTask } from './train-task.ts';

const rows = 800;
const random = createSeededRandom(11);
const truth = Float32Array.from({ length: rows }, () => random.normal());
const validation: EncodedSplit = {
  rows,
  width: 0,
  x: new Float32Array(0),
  labels: { a: truth.map((v) => (v + 0.7 * random.normal() > 0.8 ? 1 : 0)) },
  ids: Array.from({ length: rows }, (_, i) => `r${i}`),
};
const tasks: TrainTask[] = [{ name: 'a', type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false }];
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
/** A candidate seeing the truth through its own noise: equally good, differently wrong, as a search's trials are. */
const noisyCopy = (): { a: Float32Array } => ({ a: truth.map((v) => sigmoid(v + 1.5 * random.normal())) });

describe('crossValidateEnsembleChoice', () => {
  it('scores ensemble selection above the best single candidate when the candidates are equally good and differently wrong', () => {
    const candidates = Array.from({ length: 12 }, noisyCopy);
    const scores = crossValidateEnsembleChoice({ candidates, validation, tasks, maxMembers: 8, weights: {} });
    assert.ok(scores.ensemble > scores.single + 0.01, `ensemble ${scores.ensemble} vs single ${scores.single}`);
  });

  it('gives identical candidates equal scores (an average of one model cannot beat it, so the single trial stays)', () => {
    const one = noisyCopy();
    const scores = crossValidateEnsembleChoice({ candidates: [one, { a: Float32Array.from(one.a) }, { a: Float32Array.from(one.a) }], validation, tasks, maxMembers: 3, weights: {} });
    assert.ok(Math.abs(scores.ensemble - scores.single) < 1e-9, `ensemble ${scores.ensemble} vs single ${scores.single}`);
  });

  it('judges each way on rows it did not choose on: a candidate that fits only even rows wins neither half', () => {
    // Perfect on even rows, inverted on odd ones: the best on either half alone, the worst on the other.
    const overfit = { a: Float32Array.from(validation.labels.a as Float32Array, (label, i) => (i % 2 === 0 ? label : 1 - label)) };
    const honest = noisyCopy();
    const scores = crossValidateEnsembleChoice({ candidates: [overfit, honest], validation, tasks, maxMembers: 1, weights: {} });
    assert.ok(scores.single < 0.5, `the half-fitted candidate is chosen on one half and scored on the other: ${scores.single}`);
  });
});

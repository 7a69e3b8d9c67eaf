import { createSeededRandom } from '../../src/random/seeded-random.ts';
import type { SplitLabels } from '../../src/train/encoded-split.ts';
import type { TrainTask } from '../../src/train/train-task.ts';

/** A binary task as training resolves it. */
export function binaryTask(name: string, auxiliary = false): TrainTask {
  return { name, type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary };
}

/**
 * Validation rows of two binary tasks `a` and `b` whose labels are a hidden score plus noise, and a maker of candidates
 * that see each task's hidden score through noise of a given size (independent per candidate): what ensemble
 * selection chooses among. Deterministic for a seed.
 */
export function noisyCandidates(seed: number, rows: number): {
  validation: SplitLabels;
  candidate: (noiseA: number, noiseB: number) => Record<string, Float32Array>;
} {
  const random = createSeededRandom(seed);
  const truth = { a: Float32Array.from({ length: rows }, () => random.normal()), b: Float32Array.from({ length: rows }, () => random.normal()) };
  const validation: SplitLabels = {
    labels: { a: truth.a.map((v) => (v + 0.5 * random.normal() > 0 ? 1 : 0)), b: truth.b.map((v) => (v + 0.5 * random.normal() > 0 ? 1 : 0)) },
  };
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  const candidate = (noiseA: number, noiseB: number): Record<string, Float32Array> => ({
    a: truth.a.map((v) => sigmoid(v + noiseA * random.normal())),
    b: truth.b.map((v) => sigmoid(v + noiseB * random.normal())),
  });
  return { validation, candidate };
}

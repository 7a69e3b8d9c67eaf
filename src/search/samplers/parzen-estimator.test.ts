import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { fitCategoricalParzenEstimator, fitNumericParzenEstimator, logSumExp } from './parzen-estimator.ts';
import { fitSimplexKernelDensity } from './simplex-kernel-density.ts';

/** ∫ exp(logDensity) over [low, high] by the midpoint rule. */
function integrate(logDensity: (x: number) => number, low: number, high: number, steps = 20_000): number {
  const width = (high - low) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += Math.exp(logDensity(low + (i + 0.5) * width)) * width;
  return sum;
}

describe('fitNumericParzenEstimator', () => {
  const observations = [0.1, 0.12, 0.15, 0.9, 0.0];
  const estimator = fitNumericParzenEstimator(observations, 0, 1);

  void it('is a density on [low, high] (truncated components renormalised)', () => {
    assert.ok(Math.abs(integrate((x) => estimator.logDensity(x), 0, 1) - 1) < 1e-4);
    assert.ok(Math.abs(estimator.logMass(0, 1)) < 1e-6);
    assert.ok(Math.abs(integrate((x) => fitNumericParzenEstimator([], -3, 2).logDensity(x), -3, 2) - 1) < 1e-4);
  });

  void it('gives cell masses that agree with the density and add up to 1', () => {
    const cells = [0, 0.25, 0.5, 0.75, 1];
    let total = 0;
    for (let i = 0; i < 4; i++) {
      const mass = Math.exp(estimator.logMass(cells[i]!, cells[i + 1]!));
      assert.ok(Math.abs(mass - integrate((x) => estimator.logDensity(x), cells[i]!, cells[i + 1]!)) < 1e-4);
      total += mass;
    }
    assert.ok(Math.abs(total - 1) < 1e-6);
  });

  void it('puts more density near the observations and samples inside the bounds', () => {
    assert.ok(estimator.logDensity(0.12) > estimator.logDensity(0.5));
    const random = createSeededRandom(3);
    const draws = Array.from({ length: 2000 }, () => estimator.sample(random));
    assert.ok(draws.every((x) => x >= 0 && x <= 1));
    const nearCluster = draws.filter((x) => x < 0.3).length / draws.length;
    assert.ok(nearCluster > 0.5, `share near the cluster ${nearCluster}`);
  });
});

describe('fitCategoricalParzenEstimator', () => {
  void it('is a smoothed frequency that sums to 1 and keeps mass on unseen choices', () => {
    const probabilities = fitCategoricalParzenEstimator([2, 2, 2, 0], 4);
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(probabilities[2]! > probabilities[0]! && probabilities[0]! > probabilities[1]!);
    assert.ok(probabilities[1]! > 0);
    assert.deepEqual(fitCategoricalParzenEstimator([], 4), [0.25, 0.25, 0.25, 0.25]);
  });
});

describe('fitSimplexKernelDensity', () => {
  void it('samples points of the simplex, denser near the data', () => {
    const points = [
      [0.7, 0.2, 0.1],
      [0.65, 0.25, 0.1],
    ];
    const density = fitSimplexKernelDensity(points, 3);
    const random = createSeededRandom(5);
    for (let i = 0; i < 500; i++) {
      const x = density.sample(random);
      assert.equal(x.length, 3);
      assert.ok(x.every((xi) => xi >= 0));
      assert.ok(Math.abs(x.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    }
    assert.ok(density.logDensity([0.68, 0.22, 0.1]) > density.logDensity([0.1, 0.1, 0.8]) + 1);
  });

  void it('is the flat Dirichlet density without points', () => {
    // Uniform on the 2-simplex: area √3/2, density 2/√3.
    const flat = fitSimplexKernelDensity([], 3);
    assert.ok(Math.abs(flat.logDensity([0.2, 0.3, 0.5]) - Math.log(2 / Math.sqrt(3))) < 1e-12);
  });
});

describe('logSumExp', () => {
  void it('adds large and small terms without overflow', () => {
    assert.ok(Math.abs(logSumExp([1000, 1000]) - (1000 + Math.log(2))) < 1e-9);
    assert.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binOfValue } from './decile.ts';
import { computePsi, psiEpsilon } from './population-stability.ts';

void describe('computePsi', () => {
  void it('matches a hand computation, an empty expected bin taking the share ε = 1e-4', () => {
    // Shares: expected 0.5, 0.3, 0.2, 0 (→ 1e-4); actual 0.25, 0.25, 0.4, 0.1.
    // (0.25-0.5)ln(0.5) + (0.25-0.3)ln(0.25/0.3) + (0.4-0.2)ln(2) + (0.1-1e-4)ln(0.1/1e-4) = 1.0111170614619887
    const psi = computePsi([50, 30, 20, 0], [25, 25, 40, 10]);
    assert.ok(Math.abs((psi as number) - 1.0111170614619887) < 1e-12, String(psi));
    assert.equal(psiEpsilon, 1e-4);
  });

  void it('is 0 for the same shares (a bin empty on both sides adds nothing) and null without rows', () => {
    assert.equal(computePsi([10, 20, 0], [1, 2, 0]), 0);
    assert.equal(computePsi([10, 20], [0, 0]), null);
    assert.equal(computePsi([0, 0], [1, 2]), null);
    assert.throws(() => computePsi([1, 2], [1, 2, 3]), RangeError);
  });

  void it('is symmetric in its two populations', () => {
    const a = [5, 10, 30, 55];
    const b = [25, 25, 25, 25];
    assert.ok(Math.abs((computePsi(a, b) as number) - (computePsi(b, a) as number)) < 1e-12);
  });
});

void describe('binOfValue', () => {
  void it('counts the edges at or below a value, as deciles do', () => {
    const edges = [1, 2, 3];
    assert.deepEqual([0.5, 1, 1.5, 2, 3, 9].map((v) => binOfValue(v, edges)), [0, 1, 1, 2, 3, 3]);
    assert.equal(binOfValue(5, []), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { drawActiveSpells, lapseDays, redrawSpells, spellStateAt, type ActiveSpell, type SpellState } from './shop-active-spells.ts';

const days = 730;
const cutoff = 670;

/** The current spell's remaining lifetime from the cutoff in `n` redraws. */
function remainingDraws(state: SpellState, n: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: n }, () => (redrawSpells(random, state, cutoff, days)[0] as ActiveSpell).to - cutoff);
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

describe('spellStateAt', () => {
  const spells: ActiveSpell[] = [
    { from: 100, to: 400, mean: 330 },
    { from: 500, to: 690, mean: 198 },
  ];
  it('tells active, lapsing and lost apart at a cutoff', () => {
    assert.deepEqual(spellStateAt(spells, 300), { kind: 'active', spell: spells[0], lapsing: false });
    assert.deepEqual(spellStateAt(spells, 380), { kind: 'active', spell: spells[0], lapsing: true });
    assert.deepEqual(spellStateAt(spells, 450), { kind: 'lost', last: spells[0] });
    assert.deepEqual(spellStateAt(spells, 700), { kind: 'lost', last: spells[1] });
  });
  it('keeps the draws of drawActiveSpells: each spell records the mean it was drawn with', () => {
    const drawn = drawActiveSpells(createSeededRandom(3), 10, 100_000, 300);
    drawn.forEach((spell, k) => assert.ok(Math.abs(spell.mean - 300 * 0.6 ** k) < 1e-9));
  });
});

describe('redrawSpells', () => {
  it('draws an active customer\'s dropout afresh: not from the date drawn at signup, lapseDays + an exponential of the spell\'s mean', () => {
    const early: SpellState = { kind: 'active', spell: { from: 100, to: 800, mean: 200 }, lapsing: false };
    const late: SpellState = { kind: 'active', spell: { from: 100, to: 5000, mean: 200 }, lapsing: false };
    const draws = remainingDraws(early, 4000, 1);
    assert.deepEqual(remainingDraws(late, 4000, 1), draws, 'the drawn dropout date changes nothing');
    assert.ok(Math.min(...draws) >= lapseDays);
    assert.ok(Math.abs(mean(draws) - (lapseDays + 200)) < 15, `mean remaining ${mean(draws).toFixed(1)}`);
  });

  it('keeps a lapsing customer\'s end: the fade before the cutoff already depends on it', () => {
    const draws = remainingDraws({ kind: 'active', spell: { from: 100, to: 690, mean: 200 }, lapsing: true }, 200, 2);
    assert.ok(draws.every((r) => r === 690 - cutoff && r < lapseDays));
  });

  it('brings a lost customer back with the chance that a comeback is still pending, never before the cutoff', () => {
    const random = createSeededRandom(4);
    const state: SpellState = { kind: 'lost', last: { from: 100, to: cutoff - 150, mean: 200 } };
    const n = 20_000;
    let back = 0;
    for (let i = 0; i < n; i++) {
      // A history that runs on long enough for every comeback to start within it.
      const spells = redrawSpells(random, state, cutoff, 100_000);
      if (spells.length > 0) {
        back++;
        assert.ok((spells[0] as ActiveSpell).from >= cutoff);
        assert.ok(Math.abs((spells[0] as ActiveSpell).mean - 120) < 1e-9, 'a comeback is shorter');
      }
    }
    const pending = 0.15 * Math.exp(-1);
    const expected = pending / (0.85 + pending);
    assert.ok(Math.abs(back / n - expected) < 0.01, `comebacks ${(back / n).toFixed(4)}, expected ${expected.toFixed(4)}`);
  });
});

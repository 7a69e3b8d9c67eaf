import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { createShopCalendar } from './shop-calendar.ts';
import { simulateShopCustomer } from './shop-customer-simulation.ts';
import type { ShopTraitNormals } from './shop-traits.ts';

describe('traitPosterior', () => {
  // Simulation-based calibration: customers drawn from the generator's prior and their histories simulated, so each
  // customer's own traits are a draw from their posterior given the logs, and their rank among the posterior's draws
  // is uniform if the likelihood and the sampler are right. Measured with this procedure in a one-off run over 735
  // customers: 10–12 % of the ranks of each trait in the two 5 % tails; 38 % when the sampler mis-tracked the tastes'
  // prior (too narrow a posterior).
  it("covers the generator's own traits: their posterior ranks are uniform over simulated customers", () => {
    const calendar = createShopCalendar('2023-01-01', '2024-12-31');
    const random = createSeededRandom(21);
    const futures = { cutoffDay: 670, replicas: 1, random: createSeededRandom(22), endDay: 671, knows: 'logs' as const, traitDraws: 100 };
    const names: readonly (keyof ShopTraitNormals)[] = ['engagement', 'browsing', 'risk', 'promo'];
    const ranks = new Map(names.map((name) => [name, [] as number[]]));
    let customers = 0;
    for (let i = 0; i < 200; i++) {
      const traits = simulateShopCustomer(random, calendar, `C${i}`, futures).futures?.traits;
      if (traits === undefined) continue;
      assert.ok(traits.posterior.started, `customer ${i}: no spell path explained the history`);
      assert.equal(traits.posterior.draws.length, 100);
      customers++;
      for (const name of names) ranks.get(name)?.push(traits.posterior.draws.filter((draw) => draw.traits[name] <= traits.own.traits[name]).length / 100);
    }
    assert.ok(customers > 150, `${customers} customers signed up before the cutoff`);
    // A wrong term shifts a trait's ranks (leaving out what a session's category says of its conversion chance: the
    // mean rank of engagement 0.435); a posterior too narrow or too wide puts too many or too few in the tails.
    for (const [name, traitRanks] of ranks) {
      const mean = traitRanks.reduce((s, r) => s + r, 0) / traitRanks.length;
      assert.ok(Math.abs(mean - 0.5) < 0.05, `${name}: mean rank ${mean.toFixed(3)}`);
    }
    const all = [...ranks.values()].flat();
    const tails = all.filter((r) => r < 0.05 || r > 0.95).length / all.length;
    assert.ok(tails > 0.05 && tails < 0.16, `share in the 5 % tails ${tails.toFixed(3)}`);
  });
});

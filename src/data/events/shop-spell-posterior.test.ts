import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeAuc } from '../../metrics/roc-auc.ts';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { drawActiveSpells } from './shop-active-spells.ts';
import { createShopCalendar } from './shop-calendar.ts';
import { simulateShopCustomer, type ShopFuturesOptions } from './shop-customer-simulation.ts';
import { shopOptimalScores } from './shop-optimal-scores.ts';
import { spellPosterior, spellStatePosterior, type ObservedShopSession, type ShopActivityRates } from './shop-spell-posterior.ts';

const signup = 100.4;
const cutoff = 600;
const rates: ShopActivityRates = { session: () => 0.2, directOrder: () => 0.01, awaySession: 0.2 * 0.012 };
const drawPath = (random: ReturnType<typeof createSeededRandom>) => drawActiveSpells(random, signup, 730, 330);
const browsed = (day: number): ObservedShopSession => ({ day, ifActive: 0.9, ifAway: 1 });
const bought = (day: number): ObservedShopSession => ({ day, ifActive: 0.1, ifAway: 0 });
const range = (from: number, to: number, step: number): number[] => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => from + i * step);

describe('spellPosterior', () => {
  it('reads an obvious state from the history: recent orders mean active, 200 quiet days of window shopping mean lost', () => {
    const busy = spellPosterior(
      createSeededRandom(1),
      { signup, cutoff, sessions: [...range(101, 600, 5).map(browsed), ...range(560, 600, 4).map(bought)], directOrderDays: [590, 596, 599] },
      rates,
      drawPath,
      { count: 400 },
    );
    const busyState = spellStatePosterior(busy, cutoff);
    assert.ok(busyState.lost < 0.01 && busyState.active > busyState.lapsing, JSON.stringify(busyState));

    const quiet = spellPosterior(
      createSeededRandom(2),
      { signup, cutoff, sessions: [...range(101, 300, 5).map(browsed), ...range(110, 300, 20).map(bought), browsed(420), browsed(515)], directOrderDays: [150] },
      rates,
      drawPath,
      { count: 400 },
    );
    const quietState = spellStatePosterior(quiet, cutoff);
    assert.ok(quietState.lost > 0.99, JSON.stringify(quietState));
    for (const posterior of [busy, quiet]) assert.ok(posterior.effectiveSampleSize >= 10, `effective sample size ${posterior.effectiveSampleSize}`);
  });

  it('gives no weight to a path on which a logged order happened while away', () => {
    const posterior = spellPosterior(createSeededRandom(3), { signup, cutoff, sessions: [bought(590)], directOrderDays: [] }, rates, drawPath, { count: 200 });
    posterior.paths.forEach((path, i) => {
      const weight = (posterior.cumulative[i] as number) - (i === 0 ? 0 : (posterior.cumulative[i - 1] as number));
      if (!path.some((spell) => spell.from < 591 && spell.to > 590)) assert.equal(weight, 0);
    });
  });
});

describe('optimal scores given the history', () => {
  it('rank the labels no better than scores that also know the hidden state, and not much worse', () => {
    const calendar = createShopCalendar('2023-01-01', '2024-12-31');
    const cutoffDay = 670;
    const windows = { cutoffDay, horizonDays: 30, churnDays: 60 };
    const auc = (knows: ShopFuturesOptions['knows']): { purchase: number; churn: number } => {
      const random = createSeededRandom(11);
      const futures = { cutoffDay, replicas: 20, random: createSeededRandom(12), endDay: cutoffDay + 60, knows, paths: 200 };
      const purchase: [number[], number[]] = [[], []];
      const churn: [number[], number[]] = [[], []];
      const [start, horizon, churnEnd] = [cutoffDay, cutoffDay + 30, cutoffDay + 60].map((d) => d * 86_400) as [number, number, number];
      for (let i = 0; i < 1500; i++) {
        const customer = simulateShopCustomer(random, calendar, `C${i}`, futures);
        const scores = shopOptimalScores(customer.futures, windows);
        const within = (second: number, end: number): boolean => second >= start && second < end;
        if (scores.purchase_intent !== null) {
          purchase[0].push(scores.purchase_intent);
          purchase[1].push(customer.orders.some((o) => within(o.second, horizon)) ? 1 : 0);
        }
        if (scores.churn !== null) {
          churn[0].push(scores.churn);
          churn[1].push(customer.orders.some((o) => within(o.second, churnEnd)) || customer.sessions.some((s) => within(s.second, churnEnd)) ? 0 : 1);
        }
      }
      return { purchase: computeAuc(...purchase) as number, churn: computeAuc(...churn) as number };
    };
    const history = auc('tastes');
    const spells = auc('spells');
    for (const task of ['purchase', 'churn'] as const) {
      assert.ok(history[task] < spells[task], `${task}: given the history ${history[task].toFixed(4)}, knowing the state ${spells[task].toFixed(4)}`);
      assert.ok(history[task] > spells[task] - 0.08, `${task}: given the history ${history[task].toFixed(4)}, knowing the state ${spells[task].toFixed(4)}`);
    }
  });
});

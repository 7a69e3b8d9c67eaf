import type { LabelledRow } from '../../src/data/labelled-row.ts';
import { createSeededRandom } from '../../src/random/seeded-random.ts';

/**
 * Customers whose `premium` label is a threshold on `limit` that depends on `income` (an interaction boosted trees
 * find and a linear model does not), and whose `linear` label is a noisy linear score of `limit` and `age`; `tier`
 * is a coin flip between two classes. `age` is missing in every 13th row. Deterministic for a seed.
 */
export function interactionCustomers(count: number, seed: number): LabelledRow[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const income = ['low', 'mid', 'high'][random.int(3)] as string;
    const limit = 1000 + random.next() * 30000;
    const age = 20 + random.next() * 50;
    const cut = income === 'high' ? 8000 : income === 'mid' ? 20000 : 28000;
    return {
      id: `c${i}`,
      line: i + 2,
      features: { income, limit: limit.toFixed(0), age: i % 13 === 0 ? null : age.toFixed(1) },
      labels: {
        premium: limit > cut ? 1 : 0,
        linear: limit / 10000 - age / 20 + random.normal() > 0 ? 1 : 0,
        tier: random.int(2),
      },
    };
  });
}

/** The customers as a CSV table (id, features, labels as columns: premium and linear as yes/no, tier as a/b). */
export function interactionCustomersCsv(count: number, seed: number): string {
  const lines = interactionCustomers(count, seed).map((row) =>
    [row.id, row.features.income, row.features.limit, row.features.age ?? '', row.labels.premium ? 'yes' : 'no', row.labels.linear ? 'yes' : 'no', row.labels.tier ? 'b' : 'a'].join(','),
  );
  return `${['id', 'income', 'limit', 'age', 'premium', 'linear', 'tier'].join(',')}\n${lines.join('\n')}\n`;
}

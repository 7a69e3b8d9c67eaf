import type { TaskSpec } from '../../src/config/schema.ts';
import type { DatasetSplits, LabelledRow } from '../../src/data/labelled-row.ts';
import { createSeededRandom } from '../../src/random/seeded-random.ts';

/** Tasks of {@link syntheticSplits}: two binary tasks (one masked to half the rows) and one regression. */
export const syntheticTasks: TaskSpec[] = [
  { name: 'buy', type: 'binary', label: { column: 'buy' }, auxiliary: false },
  { name: 'xsell', type: 'binary', label: { column: 'xsell' }, auxiliary: false },
  { name: 'spend', type: 'regression', label: { column: 'spend' }, auxiliary: false },
];

/**
 * Small learnable splits: numeric a, b, a yes/no and a categorical column drive the labels through a shared latent
 * score, so a network can learn them; `xsell` is unlabelled (null) where `plan` is "basic".
 */
export function syntheticSplits(rows = 600, seed = 1): { splits: DatasetSplits; featureColumns: string[] } {
  const random = createSeededRandom(seed);
  const all: LabelledRow[] = Array.from({ length: rows }, (_, i) => {
    const a = random.normal();
    const b = random.normal();
    const app = random.next() < 0.5;
    const plan = ['basic', 'plus', 'pro'][random.int(3)] as string;
    const latent = 1.5 * a - b + (app ? 0.8 : -0.8) + (plan === 'pro' ? 0.7 : 0);
    return {
      id: `c${i}`,
      line: i + 2,
      features: { a: a.toFixed(4), b: i % 17 === 0 ? null : b.toFixed(4), app: app ? 'Yes' : 'No', plan },
      labels: {
        buy: latent + random.normal() * 0.7 > 0 ? 1 : 0,
        xsell: plan === 'basic' ? null : latent - a + random.normal() * 0.7 > 0.3 ? 1 : 0,
        spend: 50 + 10 * latent + random.normal() * 3,
      },
    };
  });
  const test = all.slice(0, Math.floor(rows * 0.2));
  const validation = all.slice(test.length, test.length + Math.floor(rows * 0.2));
  const train = all.slice(test.length + validation.length);
  return { splits: { train, validation, test }, featureColumns: ['a', 'b', 'app', 'plan'] };
}

import type { SplitConfig, TaskSpec } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { createSeededRandom, shuffleInPlace } from '../random/seeded-random.ts';
import type { LabelledTable } from './extract-labels.ts';
import type { DatasetSplits, LabelledRow } from './labelled-row.ts';

/**
 * The task whose label stratifies the split: the first binary task that is not auxiliary, or undefined (no
 * stratification) when there is none.
 */
export function stratificationTask(tasks: readonly TaskSpec[]): TaskSpec | undefined {
  return tasks.find((task) => task.type === 'binary' && !task.auxiliary);
}

/** Row indices (ascending) of the three disjoint parts of a dataset. */
export interface SplitIndices {
  readonly train: number[];
  readonly validation: number[];
  readonly test: number[];
}

/**
 * Splits a labelled table's rows into train, validation and test, deterministically for the same rows and
 * `split.seed`.
 *
 * Stratified by the label of `stratificationTask(tasks)` (a missing label is a stratum of its own): each stratum is
 * shuffled with `createSeededRandom(split.seed)` and gives round(n·test) rows to test, round(n·validation) to
 * validation and the rest to train, so each split keeps the stratum shares within one row per stratum. Each split
 * keeps the input order of its rows.
 *
 * @throws BadInputError when there are too few rows for every split to get at least one.
 */
export function splitDataset(table: Pick<LabelledTable, 'ids' | 'labels'>, split: SplitConfig, tasks: readonly TaskSpec[]): SplitIndices {
  const task = stratificationTask(tasks);
  const stratumLabels = task === undefined ? undefined : table.labels[task.name];
  const strata = new Map<string, number[]>();
  for (let index = 0; index < table.ids.length; index++) {
    const key = stratumLabels === undefined ? 'all' : String(stratumLabels[index] ?? null);
    const members = strata.get(key);
    if (members) members.push(index);
    else strata.set(key, [index]);
  }

  const random = createSeededRandom(split.seed);
  const parts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  // Sorted keys: the generator is consumed in the same order whatever order the strata first appeared in.
  for (const key of [...strata.keys()].sort()) {
    const members = shuffleInPlace([...(strata.get(key) ?? [])], random);
    const testCount = Math.min(members.length, Math.round(members.length * split.test));
    const validationCount = Math.min(members.length - testCount, Math.round(members.length * split.validation));
    parts.test.push(...members.slice(0, testCount));
    parts.validation.push(...members.slice(testCount, testCount + validationCount));
    parts.train.push(...members.slice(testCount + validationCount));
  }

  const ascending = (a: number, b: number): number => a - b;
  const splits = { train: parts.train.sort(ascending), validation: parts.validation.sort(ascending), test: parts.test.sort(ascending) };
  for (const name of ['train', 'validation', 'test'] as const) {
    if (splits[name].length === 0) {
      const issue = `${table.ids.length} rows are too few to split (test ${split.test}, validation ${split.validation}): the ${name} split is empty`;
      throw new BadInputError(issue, { value: table.ids.length, details: [{ path: 'split', issue }] });
    }
  }
  return splits;
}

/** The rows of each part, for callers that train in memory on what `splitDataset` chose. */
export function splitRows(rows: readonly LabelledRow[], indices: SplitIndices): DatasetSplits {
  const pick = (part: readonly number[]): LabelledRow[] => part.map((i) => rows[i] as LabelledRow);
  return { train: pick(indices.train), validation: pick(indices.validation), test: pick(indices.test) };
}

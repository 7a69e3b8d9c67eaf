import type { LabelledTable } from '../../src/data/extract-labels.ts';
import type { LabelledRow } from '../../src/data/labelled-row.ts';
import type { SplitColumns } from '../../src/data/split-file.ts';

/** Rows written by hand as the column-held table that `extractLabels` makes (ids as written, no id column). */
export function labelledTableOf(rows: readonly LabelledRow[], { featureColumns, taskNames }: SplitColumns): LabelledTable {
  return {
    ids: rows.map((row) => row.id),
    lines: rows.map((row) => row.line),
    featureColumns: [...featureColumns],
    features: featureColumns.map((column) => rows.map((row) => row.features[column] ?? null)),
    labels: Object.fromEntries(taskNames.map((task) => [task, rows.map((row) => row.labels[task] ?? null)])),
    rows: [...rows],
    idColumn: null,
    taskStats: {},
  };
}

import type { SplitConfig, TaskSpec } from '../config/schema.ts';

/** A cell as read from CSV (string, or null when empty) or JSONL (any JSON scalar). */
export type RawValue = string | number | boolean | null;

/** One input row keyed by column name. */
export type RawRow = Record<string, RawValue>;

/**
 * One customer after label extraction: the feature columns only (labels, id and excluded columns removed) and,
 * per task, 0/1 (binary), a number (regression) or null (no label: missing, or outside the task's `when` mask).
 */
export interface LabelledRow {
  readonly id: string;
  /** 1-based line of the source file (CSV: the header is line 1), for error messages. */
  readonly line: number;
  readonly features: RawRow;
  readonly labels: Readonly<Record<string, number | null>>;
}

/** The three disjoint parts of a dataset. */
export interface DatasetSplits {
  readonly train: readonly LabelledRow[];
  readonly validation: readonly LabelledRow[];
  readonly test: readonly LabelledRow[];
}

/** Per task: rows that carry a label and, for binary tasks, how many are positive. */
export interface TaskLabelStats {
  readonly labelled: number;
  readonly positives?: number;
}

/** `datasets/<datasetId>/manifest.json`: written last, so a dataset without it is incomplete and never read. */
export interface DatasetManifest {
  readonly datasetId: string;
  readonly name: string;
  readonly kind: 'table';
  readonly createdAt: string;
  readonly source: { readonly path: string; readonly sha256: string };
  readonly idColumn: string | null;
  readonly featureColumns: readonly string[];
  readonly tasks: readonly TaskSpec[];
  readonly split: SplitConfig;
  readonly rows: { readonly train: number; readonly validation: number; readonly test: number };
  readonly taskStats: Readonly<Record<string, TaskLabelStats>>;
  /** Keys of the split files, relative to the dataset folder. */
  readonly files: { readonly train: string; readonly validation: string; readonly test: string };
}

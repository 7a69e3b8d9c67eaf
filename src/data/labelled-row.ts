import type { SplitConfig, TaskSpec } from '../config/schema.ts';

/** A cell as read from CSV (string, or null when empty) or JSONL (any JSON scalar). */
export type RawValue = string | number | boolean | null;

/** One input row keyed by column name. */
export type RawRow = Record<string, RawValue>;

/**
 * One customer after label extraction: the feature columns only (labels, id and excluded columns removed) and,
 * per task, 0/1 (binary), the class index (multiclass), a number (regression) or null (no label: missing, or outside the task's `when` mask).
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

/** Per task: rows that carry a label and, for binary tasks, how many are positive (multiclass: how many per class). */
export interface TaskLabelStats {
  readonly labelled: number;
  readonly positives?: number;
  /** Multiclass: labelled rows per class, in `label.classes` order. */
  readonly classes?: Readonly<Record<string, number>>;
}

/** An input file of a dataset and the sha256 of its bytes. */
export interface DatasetSource {
  readonly path: string;
  readonly sha256: string;
}

/** How an events-mode dataset was made from the raw logs (SPEC §3). */
export interface EventsDatasetInfo {
  /** T: features use events with ts < T (an ISO 8601 date or time; `auto` resolved to the date it stood for). */
  readonly cutoff: string;
  /** `auto` when T was derived from the logs (see the config's `data.cutoff`). */
  readonly cutoffRule?: 'auto';
  readonly horizonDays: number;
  readonly churnDays: number;
  readonly topCategories: number;
  readonly maxBadRowShare: number;
  /** The categories with their own feature columns, in order: scoring from raw logs must build the same columns. */
  readonly categories: readonly string[];
  /** Rows in `quarantine.csv`. */
  readonly quarantined: number;
  readonly inputs: { readonly customers: DatasetSource; readonly sessions: DatasetSource; readonly orders: DatasetSource };
  readonly stats: {
    readonly customers: number;
    readonly sessions: number;
    readonly orders: number;
    readonly duplicateOrders: number;
    readonly excludedCustomers: number;
    readonly rowsRead: { readonly customers: number; readonly sessions: number; readonly orders: number };
  };
}

/** `datasets/<datasetId>/manifest.json`: written last, so a dataset without it is incomplete and never read. */
export interface DatasetManifest {
  readonly datasetId: string;
  readonly name: string;
  /** `table`: one row per customer read from a file; `events`: built from raw logs as of a cutoff (see `events`). */
  readonly kind: 'table' | 'events';
  readonly createdAt: string;
  /** Table mode: the data file. Events mode: the folder of the logs, sha256 of the three files' hashes and the events settings. */
  readonly source: DatasetSource;
  readonly idColumn: string | null;
  readonly featureColumns: readonly string[];
  readonly tasks: readonly TaskSpec[];
  readonly split: SplitConfig;
  readonly rows: { readonly train: number; readonly validation: number; readonly test: number };
  readonly taskStats: Readonly<Record<string, TaskLabelStats>>;
  /** Events mode only. */
  readonly events?: EventsDatasetInfo;
  /** Keys of the split files (and, in events mode, of `quarantine.csv`), relative to the dataset folder. */
  readonly files: { readonly train: string; readonly validation: string; readonly test: string; readonly quarantine?: string };
}

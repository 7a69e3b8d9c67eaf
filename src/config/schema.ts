import { z } from 'zod';

/** A cell value as it appears in a config (label values, mask values). */
const cellValue = z.union([z.string(), z.number(), z.boolean()]);

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must start with a letter or _ and hold only letters, digits and _');

export const labelSchema = z
  .object({
    column: z.string().min(1).describe('Column that holds the label.'),
    positive: z
      .array(cellValue)
      .min(1)
      .optional()
      .describe('Binary tasks: values that mean 1 (others mean 0). Default: yes/true/1 words.'),
    positiveAbove: z
      .number()
      .optional()
      .describe('Regression tasks: the threshold for auc/f1 of label > positiveAbove. Default: median of training labels.'),
  })
  .strict();

export const whenSchema = z
  .object({
    column: z.string().min(1),
    in: z.array(cellValue).min(1).optional().describe('The task is labelled only on rows whose column is one of these.'),
    notIn: z.array(cellValue).min(1).optional().describe('The task is labelled only on rows whose column is none of these.'),
  })
  .strict()
  .refine((w) => (w.in === undefined) !== (w.notIn === undefined), { message: 'give exactly one of "in" or "notIn"' })
  .describe('Label mask: rows outside it carry no label for this task.');

export const taskSchema = z
  .object({
    name: identifier,
    type: z.enum(['binary', 'regression']),
    label: labelSchema,
    when: whenSchema.optional(),
    loss: z
      .enum(['bce', 'focal', 'mse', 'huber'])
      .optional()
      .describe('Default: bce for binary, mse for regression.'),
    auxiliary: z.boolean().default(false).describe('Trained to help the others; not served, not part of selection.'),
  })
  .strict();

export const tableDataSchema = z
  .object({
    kind: z.literal('table').default('table'),
    path: z.string().min(1).describe('CSV or JSONL file, local path (relative to the config file) or s3:// URI.'),
    id: z.string().min(1).optional().describe('Customer id column; the row number when absent.'),
    exclude: z.array(z.string()).default([]).describe('Columns never used as features.'),
  })
  .strict();

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be an ISO 8601 date, e.g. 2024-06-01')
  .refine((text) => !Number.isNaN(Date.parse(text)), 'not a real date');

export const eventsDataSchema = z
  .object({
    kind: z.literal('events'),
    customers: z.string().min(1).describe('customers.csv: customer_id, signup_date, then profile columns (CSV, JSONL or Parquet).'),
    sessions: z.string().min(1).describe('sessions.csv: customer_id, ts, then pages, duration_s, device, category, ...'),
    orders: z.string().min(1).describe('orders.csv: order_id, customer_id, ts, amount, category, then any columns.'),
    cutoff: isoDate.describe('T: features use events with ts < T; labels look at T ≤ ts < T + horizon.'),
    horizonDays: z.number().int().positive().default(30).describe('H: purchase_intent and cross_sell look this many days past T.'),
    churnDays: z.number().int().positive().default(60).describe('C: churn = no order and no session in [T, T + C).'),
    topCategories: z.number().int().positive().default(8).describe('Per-category features for the K most frequent categories; the rest are pooled.'),
    maxBadRowShare: z.number().min(0).lt(1).default(0.01).describe('Share of malformed event rows (quarantined) above which ingestion fails.'),
  })
  .strict();

export const splitSchema = z
  .object({
    test: z.number().gt(0).lt(0.5).default(0.2),
    validation: z.number().gt(0).lt(0.5).default(0.1),
    seed: z.number().int().default(42),
  })
  .strict();

export const architectures = ['single', 'shared-bottom'] as const;
export const weightingStrategies = ['fixed'] as const;

export const modelSchema = z
  .object({
    arch: z.enum(architectures).default('shared-bottom'),
    weighting: z.enum(weightingStrategies).default('fixed'),
    taskWeights: z.record(z.string(), z.number().nonnegative()).default({}).describe('λ per task for fixed weighting; default 1.'),
    sharedUnits: z.array(z.number().int().positive()).min(1).default([128, 64]).describe('Widths of the shared bottom (per-task for single).'),
    towerUnits: z.array(z.number().int().positive()).default([32]).describe('Widths of each task tower.'),
    activation: z.enum(['relu', 'elu', 'selu', 'tanh']).default('relu'),
    dropout: z.number().min(0).lt(1).default(0.1),
    l2: z.number().min(0).default(1e-4),
    learningRate: z.number().positive().default(1e-3),
    batchSize: z.number().int().positive().default(256),
    epochs: z.number().int().positive().default(40),
    patience: z.number().int().positive().default(6).describe('Epochs without validation improvement before stopping.'),
    seed: z.number().int().default(42),
  })
  .strict();

export const featuresSchema = z
  .object({
    maxCategories: z.number().int().positive().default(50).describe('Vocabulary size per categorical column; rarer values share the out-of-vocabulary bucket.'),
    minCategoryCount: z.number().int().positive().default(2).describe('Categories seen fewer times in training go to the out-of-vocabulary bucket.'),
    maxNonNumericShare: z.number().min(0).lt(0.5).default(0.01).describe('Share of non-numeric cells tolerated (as missing) in a numeric column before it is an error.'),
  })
  .strict();

export const selectionSchema = z
  .object({
    weights: z.record(z.string(), z.number().nonnegative()).default({}).describe('Task weights in combinedScore; default 1.'),
    floors: z.record(z.string(), z.record(z.string(), z.number())).default({}).describe('Minimum validation metric per task, e.g. {"churn":{"auc":0.8}}.'),
    minGain: z.number().min(0).default(0.002),
    maxTaskDrop: z.number().min(0).default(0.01),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    name: identifier.default('tandem'),
    data: z.discriminatedUnion('kind', [tableDataSchema, eventsDataSchema]),
    tasks: z.array(taskSchema).min(1).optional().describe('Required in table mode; events mode defaults to the built-in tasks (SPEC §3).'),
    split: splitSchema.default(splitSchema.parse({})),
    model: modelSchema.default(modelSchema.parse({})),
    features: featuresSchema.default(featuresSchema.parse({})),
    search: z.record(z.string(), z.unknown()).default({}).describe('Search defaults (section 6).'),
    selection: selectionSchema.default(selectionSchema.parse({})),
    store: z.string().default('file://.tandem'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.tasks === undefined && config.data.kind === 'table') ctx.addIssue({ code: 'custom', path: ['tasks'], message: 'table mode needs at least one task' });
    const names = new Set<string>();
    (config.tasks ?? []).forEach((task, i) => {
      if (names.has(task.name)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'name'], message: `duplicate task name "${task.name}"` });
      names.add(task.name);
      if (task.type === 'regression' && task.label.positive) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'label', 'positive'], message: 'only binary tasks take "positive"' });
      }
    });
  })
  .transform(({ tasks, ...config }) => ({ ...config, tasks: tasks ?? builtInEventTasks() }));

/** Label columns that events-mode ingestion adds to the feature table (SPEC §3). */
export const builtInEventLabelColumns = ['purchase_intent', 'churn', 'cross_sell'] as const;

/** The built-in events-mode tasks (SPEC §3), used when a config has no `tasks`. */
export function builtInEventTasks(): TaskSpec[] {
  return [
    { name: 'purchase_intent', type: 'binary', label: { column: 'purchase_intent', positive: ['1'] }, auxiliary: false },
    { name: 'churn', type: 'binary', label: { column: 'churn', positive: ['1'] }, auxiliary: false },
    { name: 'cross_sell', type: 'regression', label: { column: 'cross_sell', positiveAbove: 0 }, auxiliary: false },
  ];
}

export type TandemConfigInput = z.input<typeof configSchema>;
export type TandemConfig = z.output<typeof configSchema>;
export type TaskSpec = z.output<typeof taskSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type FeaturesConfig = z.output<typeof featuresSchema>;
export type SelectionConfig = z.output<typeof selectionSchema>;
export type SplitConfig = z.output<typeof splitSchema>;
export type TableDataConfig = z.output<typeof tableDataSchema>;
export type EventsDataConfig = z.output<typeof eventsDataSchema>;
/** A config in table mode (one row per customer): what table ingestion works on. */
export type TableConfig = TandemConfig & { readonly data: TableDataConfig };
/** A config in events mode (raw shop logs, SPEC §3). */
export type EventsConfig = TandemConfig & { readonly data: EventsDataConfig };

/** Narrows a config to table mode. */
export function isTableConfig(config: TandemConfig): config is TableConfig {
  return config.data.kind === 'table';
}
export type CellValue = z.output<typeof cellValue>;

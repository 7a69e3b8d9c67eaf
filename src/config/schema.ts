import { z } from 'zod';
import { projectNameSchema } from './project-name.ts';
import { adversarialArgsSchema, crossStitchArgsSchema, dtpArgsSchema, dwaArgsSchema, gradnormArgsSchema, mmoeArgsSchema, pleArgsSchema } from './model-args-schema.ts';
import { findSegmentRuleProblems, segmentsSchema } from './segments-schema.ts';
import { unknownTaskIssue } from './unknown-task-name.ts';

/** A count of models or folds, 1 (the default) meaning off. */
/** The most trials a search's ensemble may hold (`search.ensembleTopK`), and fold copies per trial (`search.ensembleFolds`). */
export const maxSearchEnsembleCount = 16;

function countOffByDefault(max: number, description: string) {
  return z.number().int().min(1).max(max).default(1).describe(description);
}

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
    classes: z
      .array(cellValue)
      .min(2)
      .optional()
      .describe('Multiclass tasks: the label values, one class each (other values are an error).'),
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
    type: z.enum(['binary', 'multiclass', 'regression']),
    label: labelSchema,
    when: whenSchema.optional(),
    loss: z
      .enum(['bce', 'focal', 'softmax', 'mse', 'huber'])
      .optional()
      .describe('Default: bce for binary, softmax for multiclass, mse for regression.'),
    auxiliary: z.boolean().default(false).describe('Trained to help the others; not served, not part of selection.'),
    weight: z.number().positive().optional().describe('Fixed loss weight of this task where model.taskWeights does not name it (default 1).'),
    conditionedOn: identifier
      .optional()
      .describe(
        'esmm: this task is conditioned on that binary task: its probability (or value) is the product along the chain, trained on the whole population. Other architectures ignore it.',
      ),
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

/**
 * `data.athena`: where events-mode ingestion runs on Amazon Athena (the deployed workflow's Athena branch) instead of
 * DuckDB on one machine, and from which raw size on.
 */
export const athenaIngestSchema = z
  .object({
    database: z
      .string()
      .regex(/^[a-z0-9_]{1,255}$/, 'a Glue database name: lower-case letters, digits and _')
      .describe('Glue database that holds the raw logs as tables (every column a string, e.g. CSV through OpenCSVSerDe); the feature table is created in it too.'),
    workgroup: z.string().min(1).max(128).default('primary').describe('Athena workgroup the query runs in (engine version 3, with a query result location).'),
    minBytes: z
      .number()
      .int()
      .min(0)
      .default(10 * 1024 ** 3)
      .describe('Raw input size (bytes, the three files together) from which the workflow ingests on Athena; smaller inputs stay on DuckDB (Lambda or Batch). 0: always Athena.'),
    tables: z
      .object({
        customers: z.string().regex(/^[a-z0-9_]{1,255}$/).default('customers'),
        sessions: z.string().regex(/^[a-z0-9_]{1,255}$/).default('sessions'),
        orders: z.string().regex(/^[a-z0-9_]{1,255}$/).default('orders'),
      })
      .strict()
      .default({ customers: 'customers', sessions: 'sessions', orders: 'orders' })
      .describe('The Glue tables of the three logs, over the same files as customers, sessions and orders.'),
  })
  .strict();

export const eventsDataSchema = z
  .object({
    kind: z.literal('events'),
    customers: z.string().min(1).describe('customers.csv: customer_id, signup_date, then profile columns (CSV, JSONL or Parquet).'),
    sessions: z.string().min(1).describe('sessions.csv: customer_id, ts, then pages, duration_s, device, category, ...'),
    orders: z.string().min(1).describe('orders.csv: order_id, customer_id, ts, amount, category, then any columns.'),
    cutoff: z
      .union([isoDate, z.literal('auto')])
      .describe(
        'T: features use events with ts < T; labels look at T ≤ ts < T + horizon. "auto" (for scheduled retraining): the day after the last event minus max(horizonDays, churnDays), the latest T whose label windows the logs cover.',
      ),
    horizonDays: z.number().int().positive().default(30).describe('H: purchase_intent and cross_sell look this many days past T.'),
    churnDays: z.number().int().positive().default(60).describe('C: churn = no order and no session in [T, T + C).'),
    topCategories: z.number().int().positive().default(8).describe('Per-category features for the K most frequent categories; the rest are pooled.'),
    maxBadRowShare: z.number().min(0).lt(1).default(0.01).describe('Share of malformed event rows (quarantined) above which ingestion fails.'),
    athena: athenaIngestSchema.optional().describe('Ingest large logs on Amazon Athena in the deployed workflow (README: "Ingestion past one machine").'),
  })
  .strict();

export const splitSchema = z
  .object({
    test: z.number().gt(0).lt(0.5).default(0.2),
    validation: z.number().gt(0).lt(0.5).default(0.1),
    seed: z.number().int().default(42),
  })
  .strict();

export const architectures = ['single', 'shared-bottom', 'mmoe', 'ple', 'cross-stitch', 'esmm', 'adversarial'] as const;
export const weightingStrategies = ['fixed', 'gradnorm', 'pcgrad', 'uncertainty', 'dwa', 'dtp'] as const;

/** Normalisation of hidden layers (`model.normalization`). */
export const normalizations = ['none', 'batch', 'layer'] as const;
/** Class-imbalance handling of binary tasks (`model.imbalance`). */
export const imbalanceModes = ['none', 'balanced', 'focal'] as const;

/** Learning-rate schedules (`model.lrSchedule`); src/train/learning-rate-schedule.ts computes them. */
export const learningRateSchedules = ['constant', 'cosine', 'one-cycle'] as const;

/** Losses each task type can train with. */
export const lossesByTaskType = { binary: ['bce', 'focal'], multiclass: ['softmax'], regression: ['mse', 'huber'] } as const;

export const modelSchema = z
  .object({
    arch: z.enum(architectures).default('shared-bottom'),
    weighting: z.enum(weightingStrategies).default('fixed'),
    taskWeights: z
      .record(z.string(), z.number().nonnegative())
      .default({})
      .describe('λ per task for fixed weighting (default 1); other strategies learn their own weights. λ = 0 leaves a task out of training.'),
    sharedUnits: z
      .array(z.number().int().positive())
      .default([128, 64])
      .describe('Widths of the shared bottom (per-task for single). Empty only for single: with no towerUnits either, each task is a linear model of the inputs (logistic regression for a binary task).'),
    towerUnits: z.array(z.number().int().positive()).default([32]).describe('Widths of each task tower.'),
    activation: z.enum(['relu', 'elu', 'selu', 'tanh']).default('relu'),
    wide: z
      .boolean()
      .default(false)
      .describe(
        "Wide & deep (Cheng et al. 2016): each task's output also gets a linear function of the model's inputs (its column encodings and any tree leaves and scores), added to what the architecture computes; with tree leaves this is boosting's leaves refitted as a logistic regression (He et al. 2014) beside the network.",
      ),
    fromTreeScores: z
      .boolean()
      // Measured default (README "Why these defaults"): BankChurners +0.001 churn, +0.003 premium card; Telco has no trees.
      .default(true)
      .describe(
        "Each binary task with boosted trees (features.treeLeaves, treeScores) starts from its forest's log-odds: the forest's score is a fixed part of the task's logit and the network learns what to add to it, as boosting from an initial score does. Training rows see cross-fitted scores, so what the network adds is learnt against scores it has not fitted.",
      ),
    normalization: z
      .enum(normalizations)
      // Measured default (README "Why these defaults"): with ple inputs and learningRate 3e-3 it trains stably.
      .default('layer')
      .describe(
        'Normalisation in every hidden layer, between its dense layer and its activation: none; batch (batch normalisation: batch statistics in training, their moving averages when serving); layer (layer normalisation over each row\'s units, the default).',
      ),
    imbalance: z
      .enum(imbalanceModes)
      .default('none')
      .describe(
        'Class imbalance of binary tasks: none; balanced (cross-entropy with positives weighted n_neg/n_pos of the training rows, the ratio capped at 10, weights scaled to mean 1); focal (focal loss with focalGamma for every binary task whose config names no loss).',
      ),
    focalGamma: z.number().min(0).max(10).default(2).describe('γ of the focal loss (imbalance focal, or a task with loss focal): each row\'s loss is scaled by (1 − p_t)^γ; 0 is plain cross-entropy.'),
    // 0.3, measured (README "Why these defaults"): the small real tables overfit within a few epochs at 0.1.
    dropout: z.number().min(0).lt(1).default(0.3),
    l2: z.number().min(0).default(1e-4),
    learningRate: z.number().positive().default(3e-3).describe('Adam\'s learning rate; with lrSchedule, the rate after warm-up (the peak of cosine and one-cycle).'),
    lrSchedule: z
      .enum(learningRateSchedules)
      .default('constant')
      .describe(
        'Learning rate per optimizer step, over model.epochs whatever stops training earlier: constant; cosine (half a cosine from learningRate down to 0 by the last step); one-cycle (linear rise from learningRate/25 to learningRate over the warm-up, 30% of the steps when warmupEpochs is 0, then half a cosine down to learningRate/250000).',
      ),
    warmupEpochs: z
      .number()
      .min(0)
      .default(0)
      .describe('Epochs (fractions allowed) of linear learning-rate warm-up to learningRate (step i of n runs at learningRate·i/n) (constant, cosine), or of one-cycle\'s rise. 0: none.'),
    weightDecay: z
      .number()
      .min(0)
      .default(0)
      .describe('Decoupled weight decay (AdamW): each step shrinks every dense kernel by learningRate × weightDecay, apart from the gradient. Independent of l2, which adds l2·Σ‖W‖² to the loss.'),
    batchSize: z.number().int().positive().default(256),
    epochs: z.number().int().positive().default(40),
    patience: z.number().int().positive().default(6).describe('Epochs without validation improvement before stopping.'),
    seed: z.number().int().default(42),
    ensembleSeeds: countOffByDefault(
      16,
      'Train this many copies with seeds seed, seed+1, … and save their average (one model, one forward pass) when its validation combined score beats the best copy\'s; else the best copy. 1: off.',
    ),
    bagFolds: countOffByDefault(
      20,
      'Cross-validation bagging: pool the training and validation rows, deal them into this many folds, train one copy per fold on the other folds (early-stopped on its own) and save their average as one model. Validation metrics and thresholds come from the out-of-fold predictions (each validation row scored by the copy that did not train on it). k times the training; not with ensembleSeeds. 1: off.',
    ),
    mmoe: mmoeArgsSchema.default(mmoeArgsSchema.parse({})),
    ple: pleArgsSchema.default(pleArgsSchema.parse({})),
    crossStitch: crossStitchArgsSchema.default(crossStitchArgsSchema.parse({})),
    adversarial: adversarialArgsSchema.default(adversarialArgsSchema.parse({})),
    gradnorm: gradnormArgsSchema.default(gradnormArgsSchema.parse({})),
    dwa: dwaArgsSchema.default(dwaArgsSchema.parse({})),
    dtp: dtpArgsSchema.default(dtpArgsSchema.parse({})),
  })
  .strict();

/** A JSON value: what a categorical search parameter chooses among and a condition compares with. */
const jsonValue = z.json();

/** `when` of a search parameter: it exists in a trial only when `param` took one of the values `in`. */
export const paramConditionSchema = z
  .object({
    param: z.string().min(1).describe('Name of another parameter of the space.'),
    in: z.array(jsonValue).min(1).describe('The parameter is active only when `param` took one of these values.'),
  })
  .strict();

const categoricalParamSchema = z
  .object({
    type: z.literal('categorical'),
    choices: z
      .array(jsonValue)
      .min(1)
      .refine((choices) => new Set(choices.map((c) => JSON.stringify(c))).size === choices.length, 'choices must be distinct')
      .describe('Values to choose among.'),
    when: paramConditionSchema.optional(),
  })
  .strict();

const floatParamSchema = z
  .object({
    type: z.literal('float'),
    low: z.number(),
    high: z.number(),
    log: z.boolean().optional().describe('Sample uniformly in log space; needs low > 0. Default false.'),
    when: paramConditionSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!(spec.low < spec.high)) ctx.addIssue({ code: 'custom', path: ['high'], message: `must be greater than low (${spec.low})` });
    if (spec.log === true && !(spec.low > 0)) ctx.addIssue({ code: 'custom', path: ['low'], message: 'must be > 0 when log is true' });
  });

const intParamSchema = z
  .object({
    type: z.literal('int'),
    low: z.number().int(),
    high: z.number().int(),
    step: z.number().int().positive().optional().describe('Values are low, low + step, ...; high - low must be a multiple. Default 1.'),
    log: z.boolean().optional().describe('Sample uniformly in log space; needs low >= 1 and step 1. Default false.'),
    when: paramConditionSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const step = spec.step ?? 1;
    if (spec.high < spec.low) ctx.addIssue({ code: 'custom', path: ['high'], message: `must be at least low (${spec.low})` });
    else if ((spec.high - spec.low) % step !== 0) ctx.addIssue({ code: 'custom', path: ['high'], message: `high - low must be a multiple of step (${step})` });
    if (spec.log === true && spec.low < 1) ctx.addIssue({ code: 'custom', path: ['low'], message: 'must be >= 1 when log is true' });
    if (spec.log === true && step !== 1) ctx.addIssue({ code: 'custom', path: ['step'], message: 'must be 1 when log is true' });
  });

const simplexParamSchema = z
  .object({
    type: z.literal('simplex'),
    keys: z
      .array(identifier)
      .min(1)
      .optional()
      .describe('Tasks that get a weight. Default: every non-auxiliary task.'),
    when: paramConditionSchema.optional(),
  })
  .strict()
  .describe('Static task weights on the simplex (flat Dirichlet prior), scaled so that they sum to the number of tasks.');

/** One search parameter: categorical, float, int or simplex (task weights), optionally conditional (`when`). */
export const paramSpecSchema = z.discriminatedUnion('type', [categoricalParamSchema, floatParamSchema, intParamSchema, simplexParamSchema]);

/** A partial override of the default search space: each entry replaces that parameter's spec; `null` removes it. */
export const searchSpaceOverrideSchema = z
  .record(z.string().min(1), paramSpecSchema.nullable())
  .describe('Overrides of the default search space by parameter name: a spec replaces the default one, null removes the parameter.');

/** Search strategies (SPEC §6). */
export const searchStrategies = ['random', 'tpe', 'asha'] as const;

/** ASHA settings: rungs at minEpochs · η^k epochs up to maxEpochs. */
export const ashaSchema = z
  .object({
    eta: z.number().int().min(2).default(3).describe('Reduction factor η: each rung keeps the best 1/η of its trials and trains them η times longer.'),
    minEpochs: z.number().int().positive().default(3).describe('Epochs of the first rung.'),
    maxEpochs: z.number().int().positive().default(27).describe('Epochs of the last rung.'),
  })
  .strict()
  .refine((asha) => asha.minEpochs <= asha.maxEpochs, { path: ['maxEpochs'], message: 'must be at least minEpochs' });

/** The `search` section: defaults of `tandem search` (SPEC §6), each overridable by a flag. */
export const searchSchema = z
  .object({
    strategy: z.enum(searchStrategies).default('tpe').describe('random, tpe (tree-structured Parzen estimator) or asha (successive halving over epochs).'),
    trials: z.number().int().positive().default(20).describe('Number of trials.'),
    parallel: z.number().int().positive().optional().describe('Trials run at once. Default: the number of CPU cores.'),
    seed: z.number().int().default(42).describe('Seed of the sampler: the same seed and trial results give the same trials.'),
    budgetMinutes: z.number().positive().optional().describe('Stop launching trials after this many minutes. Default: no limit.'),
    startupTrials: z.number().int().nonnegative().default(8).describe('tpe: random trials before the Parzen estimators take over.'),
    asha: ashaSchema.default(ashaSchema.parse({})),
    defaultTrial: z
      .boolean()
      .default(true)
      .describe(
        'Train the config\'s own model and features (what tandem train trains) as one more trial after the single baseline, with all its epochs: the search starts from a known good recipe instead of having to find it. It does not count towards trials.',
      ),
    linearTrial: z
      .boolean()
      .default(true)
      .describe(
        'Train a linear model per task (logistic regression for a binary task: single with no hidden layers, standard-scaled numeric columns, one-hot categories, no trees; trained to convergence: at least 150 epochs with patience 20) as one more trial after the default recipe. Where a linear model is what the data supports, the search and its ensembles have it to use. It does not count towards trials.',
      ),
    ensembleTopK: countOffByDefault(
      maxSearchEnsembleCount,
      'After a search (tandem search, or the workflow\'s select step), build an ensemble of up to this many completed trials by bagged ensemble selection per task on validation (each task\'s average starts from the five trials with the lowest validation loss for it (log loss; RMSE for regression) and adds trials, with replacement, while that loss falls; 20 such selections over random halves of the trials, averaged; trials with other feature settings join through one joined preprocessor), and select it (one saved model, one forward pass) whenever it averages several trials. 1: off.',
    ),
    ensembleFolds: countOffByDefault(
      maxSearchEnsembleCount,
      'With ensembleTopK above 1: re-train the trials that selection on validation picks (and the linear trial) as this many fold copies each over the training + validation rows (each copy early-stopped on the fold it leaves out), and choose the ensemble\'s weights by the same bagged selection on every pooled row\'s out-of-fold prediction instead of on the validation rows alone; the ensemble averages the chosen trials\' copies. Selection then judges on about eight times the rows, and no labelled row is left out of training. Costs this many trainings per chosen trial at the end of the search. 1: off.',
    ),
    space: searchSpaceOverrideSchema.optional(),
  })
  .strict();

/** How numeric feature columns are encoded (`features.numericEncoding`). */
export const numericEncodings = ['standard', 'quantile', 'ple'] as const;

export const featuresSchema = z
  .object({
    maxCategories: z.number().int().positive().default(50).describe('Vocabulary size per categorical column; rarer values share the out-of-vocabulary bucket.'),
    minCategoryCount: z.number().int().positive().default(2).describe('Categories seen fewer times in training go to the out-of-vocabulary bucket.'),
    maxNonNumericShare: z.number().min(0).lt(0.5).default(0.01).describe('Share of non-numeric cells tolerated (as missing) in a numeric column before it is an error.'),
    numericEncoding: z
      .enum(numericEncodings)
      // Measured default (README "Why these defaults"): closest to gradient boosting on the shared real data.
      .default('ple')
      .describe(
        'How a numeric column becomes model inputs, fitted on training rows: standard (optional log1p, standard scaling), quantile (rank-Gaussian: empirical CDF then inverse normal CDF) or ple (piecewise-linear encoding over quantile bins, Gorishniy et al. 2022; the default). Every encoding imputes the training median and adds a missing flag when training had missing cells.',
      ),
    bins: z.number().int().min(2).max(256).default(32).describe('ple: quantile bins per numeric column (fewer when a column has fewer distinct training values).'),
    categoricalEmbedding: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe(
        'Width of a learned linear embedding of each categorical column\'s one-hot block (no bias), the first layer of the network; only columns with more one-hot inputs than the width get one. null: plain one-hot.',
      ),
    treeLeaves: z
      .number()
      .int()
      .min(0)
      .max(500)
      // Measured default (README "Why these defaults"): lifts BankChurners to gradient boosting, leaves Telco as it was.
      .default(200)
      .describe(
        'Boosted-tree leaf inputs (He et al. 2014): per binary or regression task, up to this many gradient-boosted trees are fitted on the training rows\' column inputs (as many as improve a held-out tenth of them), and each row gets a one-hot of the leaf it reaches in every tree, next to its column inputs. A task whose trees do not beat a linear model on that tenth by 5% of its loss gets none. Gives the network the threshold splits and interactions that boosting finds. 0: none.',
      ),
    treeDepth: z.number().int().min(1).max(8).default(3).describe('treeLeaves, depth-wise trees (treeMaxLeaves null): levels of splits per tree (at most 2^depth leaves each).'),
    treeMaxLeaves: z
      .number()
      .int()
      .min(2)
      .max(255)
      .nullable()
      // Measured default (README "Why these defaults"): on BankChurners the leaf-wise trees match HistGradientBoosting.
      .default(31)
      .describe(
        'treeLeaves: grow each tree leaf-wise, as LightGBM and HistGradientBoosting do (the leaf whose split gains most splits next, at any depth), to at most this many leaves; treeDepth is then not used. null: depth-wise trees of treeDepth levels.',
      ),
    treeScores: z
      .boolean()
      .default(true)
      .describe('treeLeaves: each task\'s trees also give their boosted score (standardised) as one more input, next to their leaves.'),
    treeLeafInputs: z
      .boolean()
      .default(true)
      .describe(
        'treeLeaves: each tree\'s leaf one-hots are inputs. false: only the forests\' scores are (treeScores must be true): a score is cross-fitted, so the network cannot read the training labels from it, while large trees\' leaves (treeMaxLeaves) can single out training rows.',
      ),
  })
  .strict()
  .refine((features) => features.treeLeafInputs || features.treeScores, {
    path: ['treeLeafInputs'],
    message: 'false needs treeScores true: without leaf inputs or scores the trees would give the network nothing',
  });

export const selectionSchema = z
  .object({
    weights: z.record(z.string(), z.number().nonnegative()).default({}).describe('Task weights in combinedScore; default 1.'),
    floors: z.record(z.string(), z.record(z.string(), z.number())).default({}).describe('Minimum validation metric per task, e.g. {"churn":{"auc":0.8}}.'),
    minGain: z.number().min(0).default(0.002),
    maxTaskDrop: z.number().min(0).default(0.01),
  })
  .strict();

/** The customer base the workflow rescores with the champion after each promotion (README: "Rescoring the customer base"). */
export const scoringSchema = z
  .object({
    input: z
      .string()
      .min(1)
      .describe(
        'The customer base: a table file, a folder of them, or an s3:// prefix whose .csv, .jsonl, .ndjson and .parquet objects are scored in parallel, one job each (rows with the model\'s feature columns, as `tandem score --input` takes them).',
      ),
    partitionBySegment: z.boolean().default(false).describe('Also partition the scores by segment: scores/<name>/date=<day>/segment=<segment>/part-<n>.parquet.'),
    schedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, 'an EventBridge Scheduler expression: rate(...) or cron(...)')
      .optional()
      .describe('Deployed: also rescore on this schedule (e.g. "cron(0 5 * * ? *)"), without retraining. Default: only after a promotion.'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    name: projectNameSchema.default('tandem'),
    data: z.discriminatedUnion('kind', [tableDataSchema, eventsDataSchema]),
    tasks: z.array(taskSchema).min(1).optional().describe('Required in table mode; events mode defaults to the built-in tasks (SPEC §3).'),
    split: splitSchema.default(splitSchema.parse({})),
    model: modelSchema.default(modelSchema.parse({})),
    features: featuresSchema.default(featuresSchema.parse({})),
    search: searchSchema.default(searchSchema.parse({})).describe('Search defaults (SPEC §6).'),
    selection: selectionSchema.default(selectionSchema.parse({})),
    segments: segmentsSchema.optional(),
    scoring: scoringSchema.optional().describe('Rescore this customer base with the champion after each promotion (and on its own schedule, deployed).'),
    store: z.string().default('file://.tandem'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.tasks === undefined && config.data.kind === 'table') ctx.addIssue({ code: 'custom', path: ['tasks'], message: 'table mode needs at least one task' });
    if (config.model.sharedUnits.length === 0 && config.model.arch !== 'single') {
      ctx.addIssue({ code: 'custom', path: ['model', 'sharedUnits'], message: `${config.model.arch} shares layers between tasks: give it at least one width (only single may have none)` });
    }
    const names = new Set<string>();
    (config.tasks ?? []).forEach((task, i) => {
      if (names.has(task.name)) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'name'], message: `duplicate task name "${task.name}"` });
      names.add(task.name);
      if (task.type !== 'binary' && task.label.positive) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'label', 'positive'], message: 'only binary tasks take "positive"' });
      }
      if (task.type === 'multiclass' && task.label.classes === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'label', 'classes'], message: 'a multiclass task needs its "classes"' });
      }
      if (task.type !== 'multiclass' && task.label.classes !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'label', 'classes'], message: 'only multiclass tasks take "classes"' });
      }
      if (task.type !== 'regression' && task.label.positiveAbove !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'label', 'positiveAbove'], message: 'only regression tasks take "positiveAbove"' });
      }
      const losses: readonly string[] = lossesByTaskType[task.type];
      if (task.loss !== undefined && !losses.includes(task.loss)) {
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'loss'], message: `a ${task.type} task trains with ${losses.join(' or ')}, not "${task.loss}"` });
      }
    });
    (config.tasks ?? []).forEach((task, i) => {
      const problem = conditionProblem(task, config.tasks ?? []);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['tasks', i, 'conditionedOn'], message: problem });
    });
    // A key that names no task would be ignored in silence (a typo such as "chrun").
    if (config.tasks !== undefined || config.data.kind === 'events') {
      const taskNames = (config.tasks ?? builtInEventTasks()).map((task) => task.name);
      const keyed = [
        [['selection', 'weights'], config.selection.weights],
        [['selection', 'floors'], config.selection.floors],
        [['model', 'taskWeights'], config.model.taskWeights],
      ] as const;
      for (const [path, record] of keyed) {
        for (const name of Object.keys(record)) {
          if (!taskNames.includes(name)) ctx.addIssue({ code: 'custom', path: [...path, name], message: unknownTaskIssue(name, taskNames) });
        }
      }
    }
    if (config.segments !== undefined) {
      const tasks = (config.tasks ?? builtInEventTasks()).map((task) => ({ ...task, classes: task.label.classes }));
      for (const { path, message } of findSegmentRuleProblems(config.segments, tasks)) ctx.addIssue({ code: 'custom', path: ['segments', ...path], message });
    }
  })
  .transform(({ tasks, ...config }) => ({ ...config, tasks: tasks ?? builtInEventTasks() }));

/** What is wrong with a task's `conditionedOn` (an unknown or non-binary task, a cycle), or undefined. */
function conditionProblem(task: z.output<typeof taskSchema>, tasks: readonly z.output<typeof taskSchema>[]): string | undefined {
  if (task.conditionedOn === undefined) return undefined;
  if (task.type === 'multiclass') return 'a multiclass task cannot be conditioned (esmm multiplies one probability or value)';
  const chain = [task.name];
  let current: string | undefined = task.conditionedOn;
  while (current !== undefined) {
    const name: string = current;
    const parent = tasks.find((t) => t.name === name);
    if (parent === undefined) return `"${name}" is not a task of this config`;
    if (parent.type !== 'binary') return `"${name}" is a ${parent.type} task; a task can only be conditioned on a binary one`;
    if (chain.includes(name)) return `conditions form a cycle: ${[...chain, name].join(' → ')}`;
    chain.push(name);
    current = parent.conditionedOn;
  }
  return undefined;
}

/** Label columns that events-mode ingestion adds to the feature table (SPEC §3). */
export const builtInEventLabelColumns = ['purchase_intent', 'churn', 'cross_sell'] as const;

/** The built-in events-mode tasks (SPEC §3), used when a config has no `tasks`. */
export function builtInEventTasks(): TaskSpec[] {
  return [
    { name: 'purchase_intent', type: 'binary', label: { column: 'purchase_intent', positive: ['1'] }, auxiliary: false },
    { name: 'churn', type: 'binary', label: { column: 'churn', positive: ['1'] }, auxiliary: false },
    // Spend in new categories needs a purchase: under esmm it is P(purchase) · E[cross_sell | purchase]. Weight 2,
    // measured (README "The generated shop"): cross-sell AUC +0.005 on each of three training shops, the others level.
    { name: 'cross_sell', type: 'regression', label: { column: 'cross_sell', positiveAbove: 0 }, auxiliary: false, weight: 2, conditionedOn: 'purchase_intent' },
  ];
}

export type TandemConfigInput = z.input<typeof configSchema>;
export type TandemConfig = z.output<typeof configSchema>;
export type TaskSpec = z.output<typeof taskSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type FeaturesConfig = z.output<typeof featuresSchema>;
export type NumericEncoding = (typeof numericEncodings)[number];
export type SelectionConfig = z.output<typeof selectionSchema>;
export type ScoringConfig = z.output<typeof scoringSchema>;
export type SearchConfig = z.output<typeof searchSchema>;
export type AshaConfig = z.output<typeof ashaSchema>;
export type SearchStrategy = (typeof searchStrategies)[number];
/** A search-space override as written in a config (`search.space`). */
export type SearchSpaceOverride = z.input<typeof searchSpaceOverrideSchema>;
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

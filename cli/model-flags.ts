import { architectureArgs, weightingArgs } from '../src/config/model-args-schema.ts';
import { modelSchema, type ModelConfig } from '../src/config/schema.ts';
import { unknownTaskIssue } from '../src/config/unknown-task-name.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { FlagSpec, Flags } from './command.ts';

/** Model hyperparameters that `train` (and later `search`) take as flags, by config key. */
const modelFlagKeys = {
  arch: { flag: 'arch', parse: 'string', valueName: 'NAME', description: `architecture: ${modelSchema.shape.arch.unwrap().options.join(', ')}` },
  weighting: { flag: 'weighting', parse: 'string', valueName: 'NAME', description: `loss weighting strategy: ${modelSchema.shape.weighting.unwrap().options.join(', ')}` },
  taskWeights: { flag: 'task-weights', parse: 'weights', valueName: 'T=W,...', description: 'fixed loss weight per task (a task of the config, or of --dataset), e.g. churn=2,spend=0.5 (default 1)' },
  sharedUnits: { flag: 'shared-units', parse: 'list', valueName: 'N,N', description: 'widths of the shared bottom, e.g. 128,64' },
  towerUnits: { flag: 'tower-units', parse: 'list', valueName: 'N,N', description: 'widths of each task tower, e.g. 32' },
  activation: { flag: 'activation', parse: 'string', valueName: 'NAME', description: 'relu, elu, selu or tanh' },
  wide: { flag: 'wide', parse: 'boolean', valueName: 'BOOL', description: "true: wide & deep, each task's output also gets a linear function of the inputs (default false)" },
  fromTreeScores: {
    flag: 'from-tree-scores',
    parse: 'boolean',
    valueName: 'BOOL',
    description: "true: each binary task's logit starts from its boosted trees' log-odds, the network learns what to add (default true)",
  },
  normalization: {
    flag: 'normalization',
    parse: 'string',
    valueName: 'NAME',
    description: `normalisation in hidden layers (dense → norm → activation): ${modelSchema.shape.normalization.unwrap().options.join(', ')}`,
  },
  imbalance: {
    flag: 'imbalance',
    parse: 'string',
    valueName: 'NAME',
    description: `class imbalance of binary tasks: ${modelSchema.shape.imbalance.unwrap().options.join(', ')} (balanced: positives weighted n_neg/n_pos, at most 10; focal: focal loss)`,
  },
  focalGamma: { flag: 'focal-gamma', parse: 'number', valueName: 'X', description: 'γ of the focal loss, ≥ 0 (default 2)' },
  dropout: { flag: 'dropout', parse: 'number', valueName: 'P', description: 'dropout rate in [0, 1)' },
  l2: { flag: 'l2', parse: 'number', valueName: 'X', description: 'L2 penalty on kernels' },
  learningRate: { flag: 'learning-rate', parse: 'number', valueName: 'X', description: 'Adam learning rate (the peak, with a schedule)' },
  lrSchedule: {
    flag: 'lr-schedule',
    parse: 'string',
    valueName: 'NAME',
    description: `learning rate per step: ${modelSchema.shape.lrSchedule.unwrap().options.join(', ')} (cosine: down to 0; one-cycle: up from lr/25, then down)`,
  },
  warmupEpochs: { flag: 'warmup-epochs', parse: 'number', valueName: 'X', description: 'epochs of linear learning-rate warm-up (fractions allowed; default 0)' },
  weightDecay: { flag: 'weight-decay', parse: 'number', valueName: 'X', description: 'decoupled weight decay on kernels (AdamW; default 0)' },
  batchSize: { flag: 'batch-size', parse: 'number', valueName: 'N', description: 'rows per batch' },
  epochs: { flag: 'epochs', parse: 'number', valueName: 'N', description: 'maximum epochs' },
  patience: { flag: 'patience', parse: 'number', valueName: 'N', description: 'early-stopping patience in epochs' },
  seed: { flag: 'seed', parse: 'number', valueName: 'N', description: 'random seed (initialisation, shuffles, dropout)' },
  ensembleSeeds: {
    flag: 'ensemble-seeds',
    parse: 'number',
    valueName: 'K',
    description: 'train K copies (seeds seed…seed+K−1) and save their average as one model when it beats the best copy on validation (default 1: off)',
  },
  bagFolds: {
    flag: 'bag-folds',
    parse: 'number',
    valueName: 'K',
    description: 'cross-validation bagging: K copies, each trained on all but one fold of the training + validation rows, saved as their average; validation metrics out of fold (default 1: off)',
  },
} as const satisfies Record<Exclude<keyof ModelConfig, ArgSection>, { flag: string; parse: string; valueName: string; description: string }>;

type ArgSection = (typeof argSections)[number]['section'];
const argSections = [...Object.values(architectureArgs), ...Object.values(weightingArgs)];

/**
 * Flags of the per-architecture and per-strategy arguments, `--<section>-<field>` in kebab case (`--mmoe-experts`,
 * `--gradnorm-alpha`), by `section.field`; every field is a number.
 */
const argFlagKeys: Readonly<Record<string, { flag: string; section: string; field: string; description: string }>> = Object.fromEntries(
  argSections.flatMap(({ section, schema }) =>
    Object.entries(schema.shape).map(([field, fieldSchema]) => [
      `${section}.${field}`,
      { flag: kebab(`${section}-${field}`), section, field, description: `${section}.${field}: ${(fieldSchema as { description?: string }).description ?? ''}` },
    ]),
  ),
);

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The flags of {@link modelFlagKeys} and the argument flags for a command's flag table. */
export const modelFlags: Readonly<Record<string, FlagSpec>> = Object.fromEntries([
  ...Object.values(modelFlagKeys).map(({ flag, valueName, description }) => [flag, { type: 'string', valueName, description }] as const),
  ...Object.values(argFlagKeys).map(({ flag, description }) => [flag, { type: 'string', valueName: 'X', description }] as const),
]);

/** Applies model flags over the config's `model` section; a bad value is an error naming its flag. */
export function resolveModelParams(base: ModelConfig, flags: Flags): ModelConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, spec] of Object.entries(modelFlagKeys)) {
    const raw = flags[spec.flag];
    if (typeof raw !== 'string') continue;
    merged[key] = parseFlagValue(spec.flag, spec.parse, raw);
  }
  for (const { flag, section, field } of Object.values(argFlagKeys)) {
    const raw = flags[flag];
    if (typeof raw !== 'string') continue;
    merged[section] = { ...(merged[section] as Record<string, unknown>), [field]: parseFlagValue(flag, 'number', raw) };
  }
  const parsed = modelSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const flag = argFlagKeys[issue?.path.slice(0, 2).join('.') ?? '']?.flag ?? (modelFlagKeys as Record<string, { flag: string }>)[key]?.flag ?? key;
    throw new BadInputError(`--${flag}: ${issue?.message ?? 'invalid value'}`, { value: merged[key], details: [{ path: `--${flag}`, issue: issue?.message ?? 'invalid' }] });
  }
  return parsed.data;
}

/**
 * `--task-weights` may name only the tasks being trained: a misspelt one would otherwise be ignored in silence.
 * @throws BadInputError naming the flag, each unknown task, the real ones and the closest one.
 */
export function checkTaskWeightsFlag(flags: Flags, taskNames: readonly string[]): void {
  const raw = flags[modelFlagKeys.taskWeights.flag];
  if (typeof raw !== 'string') return;
  const weights = parseFlagValue(modelFlagKeys.taskWeights.flag, 'weights', raw) as Record<string, number>;
  const issues = Object.keys(weights)
    .filter((name) => !taskNames.includes(name))
    .map((name) => unknownTaskIssue(name, taskNames));
  if (issues.length === 0) return;
  const flag = `--${modelFlagKeys.taskWeights.flag}`;
  throw new BadInputError(`${flag}: ${issues[0] ?? ''}`, { value: raw, details: issues.map((issue) => ({ path: flag, issue })) });
}

function parseFlagValue(flag: string, kind: string, raw: string): unknown {
  const number = (text: string): number => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) throw new BadInputError(`--${flag}: "${text}" is not a number`, { value: raw });
    return value;
  };
  switch (kind) {
    case 'number':
      return number(raw);
    case 'list':
      return raw.split(',').map(number);
    case 'boolean': {
      const word = raw.trim().toLowerCase();
      if (word === 'true' || word === 'false') return word === 'true';
      throw new BadInputError(`--${flag}: "${raw}" is not true or false`, { value: raw });
    }
    case 'weights':
      return Object.fromEntries(
        raw.split(',').map((pair) => {
          const [task, weight] = pair.split('=');
          if (task === undefined || weight === undefined || task.trim() === '') throw new BadInputError(`--${flag}: expected task=weight, got "${pair}"`, { value: raw });
          return [task.trim(), number(weight)];
        }),
      );
    default:
      return raw;
  }
}

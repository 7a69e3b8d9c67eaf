import { modelSchema, type ModelConfig } from '../src/config/schema.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { FlagSpec, Flags } from './command.ts';

/** Model hyperparameters that `train` (and later `search`) take as flags, by config key. */
const modelFlagKeys = {
  arch: { flag: 'arch', parse: 'string', valueName: 'NAME', description: `architecture: ${modelSchema.shape.arch.unwrap().options.join(', ')}` },
  weighting: { flag: 'weighting', parse: 'string', valueName: 'NAME', description: 'loss weighting strategy: fixed' },
  taskWeights: { flag: 'task-weights', parse: 'weights', valueName: 'T=W,...', description: 'fixed loss weight per task, e.g. churn=2,spend=0.5 (default 1)' },
  sharedUnits: { flag: 'shared-units', parse: 'list', valueName: 'N,N', description: 'widths of the shared bottom, e.g. 128,64' },
  towerUnits: { flag: 'tower-units', parse: 'list', valueName: 'N,N', description: 'widths of each task tower, e.g. 32' },
  activation: { flag: 'activation', parse: 'string', valueName: 'NAME', description: 'relu, elu, selu or tanh' },
  dropout: { flag: 'dropout', parse: 'number', valueName: 'P', description: 'dropout rate in [0, 1)' },
  l2: { flag: 'l2', parse: 'number', valueName: 'X', description: 'L2 penalty on kernels' },
  learningRate: { flag: 'learning-rate', parse: 'number', valueName: 'X', description: 'Adam learning rate' },
  batchSize: { flag: 'batch-size', parse: 'number', valueName: 'N', description: 'rows per batch' },
  epochs: { flag: 'epochs', parse: 'number', valueName: 'N', description: 'maximum epochs' },
  patience: { flag: 'patience', parse: 'number', valueName: 'N', description: 'early-stopping patience in epochs' },
  seed: { flag: 'seed', parse: 'number', valueName: 'N', description: 'random seed (initialisation, shuffles, dropout)' },
} as const satisfies Record<keyof ModelConfig, { flag: string; parse: string; valueName: string; description: string }>;

/** The flags of {@link modelFlagKeys} for a command's flag table. */
export const modelFlags: Readonly<Record<string, FlagSpec>> = Object.fromEntries(
  Object.values(modelFlagKeys).map(({ flag, valueName, description }) => [flag, { type: 'string', valueName, description }]),
);

/** Applies model flags over the config's `model` section; a bad value is an error naming its flag. */
export function resolveModelParams(base: ModelConfig, flags: Flags): ModelConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, spec] of Object.entries(modelFlagKeys)) {
    const raw = flags[spec.flag];
    if (typeof raw !== 'string') continue;
    merged[key] = parseFlagValue(spec.flag, spec.parse, raw);
  }
  const parsed = modelSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const flag = (modelFlagKeys as Record<string, { flag: string }>)[key]?.flag ?? key;
    throw new BadInputError(`--${flag}: ${issue?.message ?? 'invalid value'}`, { value: merged[key], details: [{ path: `--${flag}`, issue: issue?.message ?? 'invalid' }] });
  }
  return parsed.data;
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

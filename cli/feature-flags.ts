import { featuresSchema, numericEncodings, type FeaturesConfig } from '../src/config/schema.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { FlagSpec, Flags } from './command.ts';

/** Flags of the `features` section that `train` takes (they override the config's), by flag name. */
export const featureFlags: Readonly<Record<string, FlagSpec>> = {
  'numeric-encoding': { type: 'string', valueName: 'NAME', description: `how numeric columns are encoded: ${numericEncodings.join(', ')} (features.numericEncoding)` },
  bins: { type: 'string', valueName: 'N', description: 'ple: quantile bins per numeric column (features.bins)' },
  'categorical-embedding': { type: 'string', valueName: 'N|none', description: 'learned embedding width per categorical column, none for plain one-hot (features.categoricalEmbedding)' },
  'tree-leaves': { type: 'string', valueName: 'N', description: 'boosted trees per task whose leaves become inputs, 0 for none (features.treeLeaves)' },
  'tree-depth': { type: 'string', valueName: 'N', description: 'levels of splits per depth-wise boosted tree (features.treeDepth)' },
  'tree-max-leaves': { type: 'string', valueName: 'N|none', description: 'grow boosted trees leaf-wise to N leaves, none for depth-wise (features.treeMaxLeaves)' },
  'tree-scores': { type: 'string', valueName: 'yes|no', description: "each task's trees also give their score as an input (features.treeScores)" },
  'tree-leaf-inputs': { type: 'string', valueName: 'yes|no', description: "each tree's leaf one-hots are inputs; no: only the scores (features.treeLeafInputs)" },
};

const keyOfFlag = {
  'numeric-encoding': 'numericEncoding',
  bins: 'bins',
  'categorical-embedding': 'categoricalEmbedding',
  'tree-leaves': 'treeLeaves',
  'tree-depth': 'treeDepth',
  'tree-max-leaves': 'treeMaxLeaves',
  'tree-scores': 'treeScores',
  'tree-leaf-inputs': 'treeLeafInputs',
} as const;

/** Applies the feature flags over the config's `features` section; a bad value is an error naming its flag. */
export function resolveFeaturesConfig(base: FeaturesConfig, flags: Flags): FeaturesConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [flag, key] of Object.entries(keyOfFlag)) {
    const raw = flags[flag];
    if (typeof raw !== 'string') continue;
    const text = raw.trim();
    merged[key] = flagValue(key, text);
  }
  const parsed = featuresSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const flag = Object.entries(keyOfFlag).find(([, k]) => k === key)?.[0] ?? key;
  const message = issue?.message ?? 'invalid value';
  throw new BadInputError(`--${flag}: ${message}`, { value: flags[flag], details: [{ path: `--${flag}`, issue: message }] });
}

/** A flag's text as its key's value; text that cannot be one stays as it is (or NaN), for the schema to reject. */
function flagValue(key: (typeof keyOfFlag)[keyof typeof keyOfFlag], text: string): unknown {
  if (key === 'numericEncoding') return text;
  if (key === 'treeScores' || key === 'treeLeafInputs') return /^(yes|true)$/i.test(text) ? true : /^(no|false)$/i.test(text) ? false : text;
  if ((key === 'categoricalEmbedding' || key === 'treeMaxLeaves') && /^(none|null)$/i.test(text)) return null;
  return text === '' ? Number.NaN : Number(text);
}

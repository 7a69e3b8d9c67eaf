import { modelSchema, type ModelConfig } from '../config/schema.ts';
import { BadInputError, type InputIssue } from '../errors/bad-input-error.ts';
import { argumentParamNames, featureParamNames, type JsonValue, type Sample } from './search-space.ts';

/**
 * The model config a trial trains: `base` (the config's `model` section) with the sample's values applied.
 *
 * - `sharedWidth` × `sharedDepth` → `sharedUnits` (`depth` layers of `width`); `towerWidth` × `towerDepth` →
 *   `towerUnits` (depth 0: no tower). When only one of a pair is in the sample, the other comes from `base`
 *   (its first width, its number of layers).
 * - `taskWeights` (a simplex value `{task: w}`, Σw = 1) becomes λ = w / Σw × (number of weighted tasks), so λ = 1
 *   for every task is the centre of the simplex; tasks it does not weight keep `base.taskWeights`.
 * - `section.field` (`mmoe.experts`, `gradnorm.alpha`) sets that field of an architecture's or strategy's arguments.
 * - `features.*` parameters are left to `sampleToFeaturesConfig`.
 * - Every other parameter is the model setting of the same name. Parameters absent from the sample (inactive
 *   or not searched) keep `base`.
 *
 * @param taskNames the tasks a simplex may weight (the non-auxiliary ones).
 * @throws BadInputError naming `search.space.<param>` when a value is not a valid model setting.
 */
export function sampleToModelConfig(sample: Sample, base: ModelConfig, taskNames: readonly string[]): ModelConfig {
  const merged: Record<string, unknown> = { ...base };
  /** Which sample parameters produced each model setting, to name them in errors. */
  const sources = new Map<string, string[]>();
  const issues: InputIssue[] = [];
  const set = (key: string, value: unknown, from: string[]): void => {
    merged[key] = value;
    sources.set(key, from);
  };

  const { sharedWidth, sharedDepth, towerWidth, towerDepth, taskWeights, ...direct } = sample;
  if (sharedWidth !== undefined || sharedDepth !== undefined) {
    const width = sharedWidth ?? base.sharedUnits[0];
    const depth = sharedDepth ?? base.sharedUnits.length;
    set('sharedUnits', repeatLayer(width, depth), present({ sharedWidth, sharedDepth }));
  }
  if (towerWidth !== undefined || towerDepth !== undefined) {
    const width = towerWidth ?? base.towerUnits[0] ?? 32;
    const depth = towerDepth ?? base.towerUnits.length;
    set('towerUnits', repeatLayer(width, depth), present({ towerWidth, towerDepth }));
  }
  if (taskWeights !== undefined) {
    const lambdas = simplexToLambdas(taskWeights, taskNames, issues);
    set('taskWeights', { ...base.taskWeights, ...lambdas }, ['taskWeights']);
  }
  for (const [name, value] of Object.entries(direct)) {
    // The trial's features section, not its model: see sampleToFeaturesConfig.
    if ((featureParamNames as readonly string[]).includes(name)) continue;
    const [section, field, ...rest] = name.split('.');
    if (field !== undefined && rest.length === 0 && argumentParamNames().includes(name)) {
      set(section as string, { ...(merged[section as string] as Record<string, unknown>), [field]: value }, [...(sources.get(section as string) ?? []), name]);
    } else if (field !== undefined || !(name in modelSchema.shape)) issues.push({ path: `search.space.${name}`, issue: 'not a model setting' });
    else set(name, value, [name]);
  }
  if (issues.length > 0) throw invalidSample(issues);

  const parsed = modelSchema.safeParse(merged);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const nested = issue.path.length > 1 ? `${key}.${String(issue.path[1])}` : undefined;
      const from = nested !== undefined && sources.get(key)?.includes(nested) === true ? [nested] : (sources.get(key) ?? []);
      const where = from.length > 0 ? from.map((name) => `search.space.${name}`).join(' + ') : `model.${key}`;
      const setting = issue.path.length > 1 && nested !== undefined ? nested : key;
      const value = setting === key ? merged[key] : (merged[key] as Record<string, unknown> | undefined)?.[String(issue.path[1])];
      return { path: where, issue: `gives model.${setting} ${JSON.stringify(value)}: ${issue.message}` };
    });
    // One detail per setting: a list such as sharedUnits would otherwise repeat it for each element.
    const unique = details.filter((detail, i) => details.findIndex((d) => d.path === detail.path) === i);
    throw invalidSample(unique, parsed.error);
  }
  return parsed.data;
}

/** `depth` copies of `width`; a non-integer leaves the check to the model schema. */
function repeatLayer(width: JsonValue | undefined, depth: JsonValue | undefined): unknown[] {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0) return [depth];
  return Array.from({ length: depth }, () => width);
}

function present(values: Record<string, JsonValue | undefined>): string[] {
  return Object.keys(values).filter((key) => values[key] !== undefined);
}

/** Simplex weights (Σ = 1) → λ per task (Σ = number of weighted tasks). */
function simplexToLambdas(value: JsonValue, taskNames: readonly string[], issues: InputIssue[]): Record<string, number> {
  const path = 'search.space.taskWeights';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path, issue: `expected {task: weight}, got ${JSON.stringify(value)}` });
    return {};
  }
  const entries = Object.entries(value as Record<string, JsonValue>);
  const weights: Record<string, number> = {};
  for (const [task, weight] of entries) {
    if (!taskNames.includes(task)) issues.push({ path, issue: `"${task}" is not a weighted task (${taskNames.join(', ')})` });
    if (typeof weight !== 'number' || !(weight >= 0) || !Number.isFinite(weight)) {
      issues.push({ path, issue: `weight of "${task}" must be a finite number >= 0, got ${JSON.stringify(weight)}` });
    } else weights[task] = weight;
  }
  // Renormalised, so rounding in a stored sample cannot move the total away from the number of tasks.
  const total = Object.values(weights).reduce((sum, w) => sum + w, 0);
  if (entries.length > 0 && !(total > 0)) issues.push({ path, issue: 'weights sum to 0' });
  if (issues.length > 0) return {};
  return Object.fromEntries(Object.entries(weights).map(([task, w]) => [task, (w / total) * entries.length]));
}

function invalidSample(details: readonly InputIssue[], cause?: unknown): BadInputError {
  const lines = details.map((d) => `  ${d.path}: ${d.issue}`).join('\n');
  return new BadInputError(`the sampled parameters do not make a valid model config:\n${lines}`, { cause, details, value: details[0]?.path });
}

import { formatIssuePath } from '../config/load-config.ts';
import { architectureArgs, weightingArgs, type ArgSearchDimension } from '../config/model-args-schema.ts';
import { architectures, imbalanceModes, learningRateSchedules, modelSchema, normalizations, numericEncodings, searchSpaceOverrideSchema, weightingStrategies, type SearchSpaceOverride, type TaskSpec } from '../config/schema.ts';
import { BadInputError, type InputIssue } from '../errors/bad-input-error.ts';

/** A JSON value: a categorical choice, a condition value, a parameter value in a sample. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The parameter exists in a trial only when `param` took one of the values `in` (and is itself active). */
export interface ParamCondition {
  readonly param: string;
  readonly in: readonly JsonValue[];
}

/** One of `choices`. */
export interface CategoricalParam {
  readonly type: 'categorical';
  readonly choices: readonly JsonValue[];
  readonly when?: ParamCondition;
}

/** A real number in [low, high], uniform or (with `log`) log-uniform a priori. */
export interface FloatParam {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  readonly when?: ParamCondition;
}

/** An integer low, low + step, ..., high; with `log` (step 1) log-uniform a priori. */
export interface IntParam {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
  /** @default 1 */
  readonly step?: number;
  readonly when?: ParamCondition;
}

/** Weights on the simplex, one per key (task), non-negative and summing to 1; flat Dirichlet a priori. */
export interface SimplexParam {
  readonly type: 'simplex';
  readonly keys: readonly string[];
  readonly when?: ParamCondition;
}

/** One parameter of a search space. */
export type ParamSpec = CategoricalParam | FloatParam | IntParam | SimplexParam;

/** A search space: parameter specs by name. Plain JSON, so it can be stored in run.json and read back. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/**
 * One point of a search space: the value of every active parameter, by name; inactive parameters are absent.
 * A simplex value is an object `{key: weight}` whose weights sum to 1.
 */
export type Sample = Readonly<Record<string, JsonValue>>;

/**
 * Parameters that are not model settings themselves but are turned into them by `sampleToModelConfig`
 * (widths × depths → `sharedUnits`, `towerUnits`). Every other parameter name must be a `model` setting.
 */
export const derivedParamNames = ['sharedWidth', 'sharedDepth', 'towerWidth', 'towerDepth'] as const;

/**
 * Parameters that set a trial's `features` section (its preprocessor and input embedding) rather than a model setting:
 * `sampleToFeaturesConfig` applies them, `sampleToModelConfig` leaves them alone.
 */
export const featureParamNames = [
  'features.numericEncoding',
  'features.bins',
  'features.categoricalEmbedding',
  'features.treeLeaves',
  'features.treeDepth',
  'features.treeMaxLeaves',
  'features.treeLeafInputs',
] as const;

/** What the default space needs to know of the tasks besides their names. */
export interface SearchSpaceOptions {
  /** Some task is `conditionedOn` another, so `esmm` can be searched. @default false */
  readonly conditionedTasks?: boolean;
  /** Some task is binary, so `imbalance` (and `focalGamma`) can be searched. @default true */
  readonly binaryTasks?: boolean;
}

/** The tasks a space weights (the non-auxiliary ones) and its options, from a config's tasks. */
export function searchSpaceInputs(tasks: readonly TaskSpec[]): { taskNames: string[]; options: SearchSpaceOptions } {
  return {
    taskNames: tasks.filter((task) => !task.auxiliary).map((task) => task.name),
    options: { conditionedTasks: tasks.some((task) => task.conditionedOn !== undefined), binaryTasks: tasks.some((task) => task.type === 'binary') },
  };
}

/**
 * The default search space (SPEC §6), built from the registries so that a new architecture or weighting
 * strategy is searched without changes here. `taskNames` are the tasks that get a static weight (the
 * non-auxiliary ones); `taskWeights` exists only when `weighting` is `fixed`. Each architecture's and strategy's
 * own arguments (`mmoe.experts`, `gradnorm.alpha`, …) exist only when it is drawn. `esmm` is a choice only when a
 * task is conditioned on another. `imbalance` exists only when a task is binary, and `focalGamma` only when `imbalance`
 * is `focal`. `epochs` is used by `random` and `tpe`; ASHA sets epochs itself. `features.numericEncoding`,
 * `features.treeLeaves` (0: no boosted-tree leaves), `features.treeMaxLeaves` (only with leaves; null: depth-wise
 * trees of the config's `treeDepth`) and
 * `features.categoricalEmbedding` (null: one-hot) set the trial's preprocessor and input embedding.
 */
export function defaultSearchSpace(taskNames: readonly string[], options: SearchSpaceOptions = {}): SearchSpace {
  const archChoices = architectures.filter((arch) => arch !== ('esmm' as string) || options.conditionedTasks === true);
  return {
    arch: { type: 'categorical', choices: archChoices },
    weighting: { type: 'categorical', choices: [...weightingStrategies] },
    taskWeights: { type: 'simplex', keys: [...taskNames], when: { param: 'weighting', in: ['fixed'] } },
    ...argDimensions('arch', architectureArgs, archChoices),
    ...argDimensions('weighting', weightingArgs, weightingStrategies),
    sharedWidth: { type: 'categorical', choices: [32, 64, 128, 256] },
    sharedDepth: { type: 'int', low: 1, high: 3 },
    towerWidth: { type: 'categorical', choices: [8, 16, 32, 64] },
    towerDepth: { type: 'int', low: 0, high: 2 },
    normalization: { type: 'categorical', choices: [...normalizations] },
    wide: { type: 'categorical', choices: [false, true] },
    ...(options.binaryTasks === false
      ? {}
      : {
          imbalance: { type: 'categorical', choices: [...imbalanceModes] },
          focalGamma: { type: 'float', low: 0.5, high: 4, when: { param: 'imbalance', in: ['focal'] } },
        }),
    dropout: { type: 'float', low: 0, high: 0.5 },
    l2: { type: 'float', low: 1e-6, high: 1e-2, log: true },
    learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
    lrSchedule: { type: 'categorical', choices: [...learningRateSchedules] },
    warmupEpochs: { type: 'categorical', choices: [0, 1, 2] },
    weightDecay: { type: 'categorical', choices: [0, 1e-4, 1e-3, 1e-2] },
    batchSize: { type: 'categorical', choices: [64, 128, 256, 512] },
    epochs: { type: 'int', low: 10, high: 60, step: 5 },
    'features.numericEncoding': { type: 'categorical', choices: [...numericEncodings] },
    'features.categoricalEmbedding': { type: 'categorical', choices: [null, 4, 8, 16] },
    'features.treeLeaves': { type: 'categorical', choices: [0, 200] },
    'features.treeMaxLeaves': { type: 'categorical', choices: [null, 15, 31], when: { param: 'features.treeLeaves', in: [200] } },
  };
}

/** The search dimensions of the argument sections of the `choices` that have one, conditioned on `param`. */
function argDimensions(
  param: 'arch' | 'weighting',
  sections: Readonly<Record<string, { readonly section: string; readonly search: Readonly<Record<string, ArgSearchDimension>> }>>,
  choices: readonly string[],
): Record<string, ParamSpec> {
  const dimensions: Record<string, ParamSpec> = {};
  for (const [name, { section, search }] of Object.entries(sections)) {
    if (!choices.includes(name)) continue;
    for (const [field, dimension] of Object.entries(search)) {
      dimensions[`${section}.${field}`] = { ...(dimension as ParamSpec), when: { param, in: [name] } };
    }
  }
  return dimensions;
}

/** `section.field` names of every argument section field (`mmoe.experts`): model settings one level down. */
export function argumentParamNames(): string[] {
  return [...Object.values(architectureArgs), ...Object.values(weightingArgs)].flatMap(({ section, schema }) => Object.keys(schema.shape).map((field) => `${section}.${field}`));
}

/**
 * The default space with a config's `search.space` override applied: a spec replaces the default spec of that
 * name (or adds a parameter), `null` removes one. A simplex without `keys` gets `taskNames`.
 *
 * @throws BadInputError naming `search.space.<param>...` when the override does not match the schema, names a
 *   parameter that is no model setting, conditions on a parameter that is not in the space (or on itself, in a
 *   cycle), or weights tasks that are not in `taskNames`.
 */
export function resolveSearchSpace(override: SearchSpaceOverride | undefined, taskNames: readonly string[], options: SearchSpaceOptions = {}): SearchSpace {
  const parsed = parseSpecs(override ?? {});
  const specs: Record<string, ParamSpec | Omit<SimplexParam, 'keys'>> = { ...defaultSearchSpace(taskNames, options) };
  for (const [name, spec] of Object.entries(parsed)) {
    if (spec === null) delete specs[name];
    else specs[name] = spec;
  }
  return checkedSpace(specs, taskNames);
}

/** {@link resolveSearchSpace} for a config's `search.space` and tasks. */
export function resolveConfigSearchSpace(override: SearchSpaceOverride | undefined, tasks: readonly TaskSpec[]): SearchSpace {
  const { taskNames, options } = searchSpaceInputs(tasks);
  return resolveSearchSpace(override, taskNames, options);
}

/**
 * A whole search space read back as JSON (e.g. from run.json), validated as {@link resolveSearchSpace} validates
 * an override but with nothing merged from the default space.
 *
 * @throws BadInputError naming `search.space.<param>...`, as `resolveSearchSpace`.
 */
export function parseSearchSpace(value: unknown, taskNames: readonly string[]): SearchSpace {
  const parsed = parseSpecs(value);
  const nulls = Object.keys(parsed).filter((name) => parsed[name] === null);
  if (nulls.length > 0) throw invalidSpace(nulls.map((name) => ({ path: spacePath(name), issue: 'expected a parameter spec, got null' })));
  return checkedSpace(parsed as Record<string, ParamSpec>, taskNames);
}

/** Schema check of specs by name (null allowed); simplex keys are filled in later. */
function parseSpecs(value: unknown): Record<string, ParamSpec | Omit<SimplexParam, 'keys'> | null> {
  const parsed = searchSpaceOverrideSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidSpace(parsed.error.issues.map((issue) => ({ path: spacePath(formatIssuePath(issue.path)), issue: issue.message })), parsed.error);
  }
  return parsed.data;
}

/** Fills simplex keys with `taskNames` and checks what the schema alone cannot. */
function checkedSpace(specs: Readonly<Record<string, ParamSpec | Omit<SimplexParam, 'keys'>>>, taskNames: readonly string[]): SearchSpace {
  const space: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(specs)) {
    space[name] = spec.type === 'simplex' ? { ...spec, keys: 'keys' in spec && spec.keys !== undefined ? spec.keys : [...taskNames] } : spec;
  }
  const issues = [...unknownParamIssues(space), ...simplexKeyIssues(space, taskNames), ...conditionIssues(space)];
  if (issues.length > 0) throw invalidSpace(issues);
  return space;
}

/**
 * Parameter names in an order in which each conditional parameter comes after the parameter it depends on
 * (otherwise in the space's own order): the order samplers draw in.
 *
 * @throws BadInputError when conditions form a cycle.
 */
export function orderSearchSpace(space: SearchSpace): string[] {
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: readonly string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw invalidSpace([{ path: spacePath(`${name}.when.param`), issue: `conditions form a cycle: ${[...chain, name].join(' → ')}` }]);
    }
    state.set(name, 'visiting');
    const parent = space[name]?.when?.param;
    if (parent !== undefined && space[parent] !== undefined) visit(parent, [...chain, name]);
    state.set(name, 'done');
    ordered.push(name);
  };
  for (const name of Object.keys(space)) visit(name, []);
  return ordered;
}

/** Whether a parameter is active given the values drawn so far (its condition's parameter must be among them). */
export function isParamActive(spec: ParamSpec, drawn: Sample): boolean {
  if (spec.when === undefined) return true;
  const value = drawn[spec.when.param];
  return value !== undefined && spec.when.in.some((choice) => sameJsonValue(choice, value));
}

/**
 * What is wrong with a sample for a space (empty when nothing): each issue's path is the parameter. Checks that
 * exactly the active parameters are present and that each value fits its spec (choice, bounds, integer grid,
 * simplex keys with non-negative weights summing to 1). For stored or hand-written samples and for tests.
 */
export function findSampleIssues(space: SearchSpace, sample: Sample): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const name of Object.keys(sample)) if (space[name] === undefined) issues.push({ path: name, issue: 'not a parameter of the space' });
  for (const name of orderSearchSpace(space)) {
    const spec = space[name] as ParamSpec;
    const value = sample[name];
    const active = isParamActive(spec, sample);
    if (!active && value !== undefined) issues.push({ path: name, issue: `present though its condition (${spec.when?.param}) does not hold` });
    else if (active && value === undefined) issues.push({ path: name, issue: 'missing' });
    else if (value !== undefined) {
      const problem = valueProblem(spec, value);
      if (problem !== undefined) issues.push({ path: name, issue: `${JSON.stringify(value)} ${problem}` });
    }
  }
  return issues;
}

function valueProblem(spec: ParamSpec, value: JsonValue): string | undefined {
  switch (spec.type) {
    case 'categorical':
      return choiceIndex(spec, value) < 0 ? 'is not one of the choices' : undefined;
    case 'float':
      return typeof value === 'number' && value >= spec.low && value <= spec.high ? undefined : `is not a number in [${spec.low}, ${spec.high}]`;
    case 'int': {
      const step = spec.step ?? 1;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.low || value > spec.high) return `is not an integer in [${spec.low}, ${spec.high}]`;
      return (value - spec.low) % step === 0 ? undefined : `is not on the grid ${spec.low} + k·${step}`;
    }
    case 'simplex': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not an object of weights';
      const record = value as Record<string, JsonValue>;
      const keys = Object.keys(record);
      if (keys.length !== spec.keys.length || !spec.keys.every((key) => key in record)) return `does not have exactly the keys ${spec.keys.join(', ')}`;
      const weights = Object.values(record);
      if (!weights.every((w) => typeof w === 'number' && w >= 0)) return 'has a weight that is not a number >= 0';
      const total = (weights as number[]).reduce((sum, w) => sum + w, 0);
      return Math.abs(total - 1) <= 1e-9 ? undefined : `sums to ${total}, not 1`;
    }
  }
}

/** Deep equality of JSON values (object key order does not matter). */
export function sameJsonValue(a: JsonValue, b: JsonValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Position of `value` among a categorical parameter's choices; -1 when it is not one of them. */
export function choiceIndex(spec: CategoricalParam, value: JsonValue): number {
  const key = canonicalJson(value);
  return spec.choices.findIndex((choice) => canonicalJson(choice) === key);
}

function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map((item: JsonValue) => canonicalJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, JsonValue>)[key] as JsonValue)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function unknownParamIssues(space: SearchSpace): InputIssue[] {
  const sections = new Set<string>([...Object.values(architectureArgs), ...Object.values(weightingArgs)].map(({ section }) => section));
  const known = new Set<string>([...derivedParamNames, ...featureParamNames, ...Object.keys(modelSchema.shape).filter((key) => !sections.has(key)), ...argumentParamNames()]);
  return Object.keys(space)
    .filter((name) => !known.has(name))
    .map((name) => ({ path: spacePath(name), issue: `not a model setting; expected one of ${[...known].join(', ')}` }));
}

function simplexKeyIssues(space: SearchSpace, taskNames: readonly string[]): InputIssue[] {
  const tasks = new Set(taskNames);
  const issues: InputIssue[] = [];
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type !== 'simplex') continue;
    if (spec.keys.length === 0) issues.push({ path: spacePath(`${name}.keys`), issue: 'no task to weight' });
    if (new Set(spec.keys).size !== spec.keys.length) issues.push({ path: spacePath(`${name}.keys`), issue: 'keys must be distinct' });
    for (const key of spec.keys) {
      if (!tasks.has(key)) issues.push({ path: spacePath(`${name}.keys`), issue: `"${key}" is not a weighted task (${taskNames.join(', ') || 'none'})` });
    }
  }
  return issues;
}

function conditionIssues(space: SearchSpace): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [name, spec] of Object.entries(space)) {
    const parent = spec.when?.param;
    if (parent === undefined) continue;
    if (parent === name) issues.push({ path: spacePath(`${name}.when.param`), issue: 'a parameter cannot depend on itself' });
    else if (space[parent] === undefined) issues.push({ path: spacePath(`${name}.when.param`), issue: `"${parent}" is not a parameter of the space` });
  }
  if (issues.length === 0) orderSearchSpace(space); // throws on a longer cycle
  return issues;
}

function spacePath(rest: string): string {
  return rest === '(root)' ? 'search.space' : `search.space.${rest}`;
}

function invalidSpace(details: readonly InputIssue[], cause?: unknown): BadInputError {
  const lines = details.map((d) => `  ${d.path}: ${d.issue}`).join('\n');
  return new BadInputError(`invalid search space:\n${lines}`, { cause, details, value: details[0]?.path });
}

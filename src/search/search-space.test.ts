import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { architectureArgs, weightingArgs } from '../config/model-args-schema.ts';
import { configSchema, searchSchema, weightingStrategies, type SearchSpaceOverride } from '../config/schema.ts';
import { architectureBuilders } from '../model/architectures/index.ts';
import { defaultSearchSpace, findSampleIssues, isParamActive, orderSearchSpace, parseSearchSpace, resolveSearchSpace, type SearchSpace } from './search-space.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

const tasks = ['churn', 'security_xsell', 'spend'];

/** The BadInputError a call throws, with its detail paths. */
function badInputPaths(call: () => unknown): string[] {
  return catchBadInput(call).details.map((d) => d.path);
}

describe('defaultSearchSpace', () => {
  void it('takes architectures and weighting strategies from the registries; esmm only when a task is conditioned', () => {
    const space = defaultSearchSpace(tasks, { conditionedTasks: true });
    assert.deepEqual(space.arch, { type: 'categorical', choices: Object.keys(architectureBuilders) });
    assert.deepEqual(space.weighting, { type: 'categorical', choices: [...weightingStrategies] });
    const unconditioned = defaultSearchSpace(tasks);
    assert.deepEqual(unconditioned.arch, { type: 'categorical', choices: Object.keys(architectureBuilders).filter((arch) => arch !== 'esmm') });
  });

  void it("adds each architecture's and strategy's own arguments, active only when it is drawn", () => {
    const space = defaultSearchSpace(tasks, { conditionedTasks: true });
    const sections = [
      ...Object.entries(architectureArgs).map(([name, args]) => ({ param: 'arch', name, ...args })),
      ...Object.entries(weightingArgs).map(([name, args]) => ({ param: 'weighting', name, ...args })),
    ];
    for (const { param, name, section, search } of sections) {
      const spec = space[`${section}.${Object.keys(search)[0]}`];
      assert.ok(spec, `${section} is searched`);
      assert.deepEqual(spec.when, { param, in: [name] });
      assert.equal(isParamActive(spec, { [param]: name }), true);
      assert.equal(isParamActive(spec, { [param]: 'single' }), false);
    }
    assert.deepEqual(resolveSearchSpace({ 'mmoe.experts': { type: 'int', low: 2, high: 3 } }, tasks)['mmoe.experts'], { type: 'int', low: 2, high: 3 });
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ 'mmoe.gates': { type: 'int', low: 2, high: 3 } }, tasks)), ['search.space.mmoe.gates']);
  });

  void it('weights every given task, only under fixed weighting', () => {
    const space = defaultSearchSpace(tasks);
    assert.deepEqual(space.taskWeights, { type: 'simplex', keys: tasks, when: { param: 'weighting', in: ['fixed'] } });
    assert.equal(isParamActive(space.taskWeights!, { weighting: 'fixed' }), true);
    assert.equal(isParamActive(space.taskWeights!, { weighting: 'uncertainty' }), false);
    assert.equal(isParamActive(space.taskWeights!, {}), false);
  });

  void it('covers the parameters of SPEC §6 and survives a JSON round trip unchanged', () => {
    const space = defaultSearchSpace(tasks);
    for (const name of ['arch', 'weighting', 'taskWeights', 'sharedWidth', 'sharedDepth', 'towerWidth', 'towerDepth', 'dropout', 'l2', 'learningRate', 'batchSize', 'epochs']) {
      assert.ok(space[name], name);
    }
    assert.deepEqual(space.l2, { type: 'float', low: 1e-6, high: 1e-2, log: true });
    assert.deepEqual(JSON.parse(JSON.stringify(space)), space);
  });

  void it('searches normalisation always, imbalance only with a binary task, and focalGamma only when focal is drawn', () => {
    const space = defaultSearchSpace(tasks);
    assert.deepEqual(space.normalization, { type: 'categorical', choices: ['none', 'batch', 'layer'] });
    assert.deepEqual(space.imbalance, { type: 'categorical', choices: ['none', 'balanced', 'focal'] });
    assert.equal(isParamActive(space.focalGamma!, { imbalance: 'focal' }), true);
    assert.equal(isParamActive(space.focalGamma!, { imbalance: 'balanced' }), false);
    const regressionOnly = defaultSearchSpace(['spend'], { binaryTasks: false });
    assert.equal(regressionOnly.imbalance, undefined);
    assert.equal(regressionOnly.focalGamma, undefined);
    assert.ok(regressionOnly.normalization);
  });
});

describe('resolveSearchSpace', () => {
  void it('returns the default space without an override', () => {
    assert.deepEqual(resolveSearchSpace(undefined, tasks), defaultSearchSpace(tasks));
    assert.deepEqual(resolveSearchSpace({}, tasks), defaultSearchSpace(tasks));
  });

  void it('replaces whole specs, adds model settings and removes parameters given null', () => {
    const space = resolveSearchSpace(
      {
        dropout: { type: 'float', low: 0.1, high: 0.3 },
        epochs: null,
        activation: { type: 'categorical', choices: ['relu', 'elu'] },
        sharedDepth: { type: 'int', low: 1, high: 5, step: 2 },
      },
      tasks,
    );
    assert.deepEqual(space.dropout, { type: 'float', low: 0.1, high: 0.3 });
    assert.equal(space.epochs, undefined);
    assert.equal('epochs' in space, false);
    assert.deepEqual(space.activation, { type: 'categorical', choices: ['relu', 'elu'] });
    assert.deepEqual(space.sharedDepth, { type: 'int', low: 1, high: 5, step: 2 });
    assert.deepEqual(space.learningRate, defaultSearchSpace(tasks).learningRate);
  });

  void it('fills simplex keys with the tasks and accepts an explicit subset', () => {
    const all = resolveSearchSpace({ taskWeights: { type: 'simplex' } }, tasks);
    assert.deepEqual(all.taskWeights, { type: 'simplex', keys: tasks });
    const some = resolveSearchSpace({ taskWeights: { type: 'simplex', keys: ['churn', 'spend'] } }, tasks);
    assert.deepEqual(some.taskWeights, { type: 'simplex', keys: ['churn', 'spend'] });
  });

  void it('reads a stored space back as it was, with nothing merged from the defaults (parseSearchSpace)', () => {
    const space = resolveSearchSpace({ epochs: null, dropout: { type: 'float', low: 0, high: 0.2 } }, tasks);
    const stored = JSON.parse(JSON.stringify(space)) as unknown;
    assert.deepEqual(parseSearchSpace(stored, tasks), space);
    assert.deepEqual(badInputPaths(() => parseSearchSpace({ ...space, epochs: null }, tasks)), ['search.space.epochs']);
    const { weighting: _weighting, ...withoutWeighting } = space;
    assert.deepEqual(badInputPaths(() => parseSearchSpace(withoutWeighting, tasks)), conditionedOn(space, 'weighting'));
  });

  void it('names search.space.<param> for a spec that does not match the schema', () => {
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ dropout: { type: 'float', low: 0.5, high: 0.1 } }, tasks)), ['search.space.dropout.high']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ l2: { type: 'float', low: 0, high: 1, log: true } }, tasks)), ['search.space.l2.low']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ towerDepth: { type: 'int', low: 0, high: 5, step: 2 } }, tasks)), ['search.space.towerDepth.high']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ sharedDepth: { type: 'int', low: 1.5, high: 3 } }, tasks)), ['search.space.sharedDepth.low']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ batchSize: { type: 'categorical', choices: [] } }, tasks)), ['search.space.batchSize.choices']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ batchSize: { type: 'categorical', choices: [64, 64] } }, tasks)), ['search.space.batchSize.choices']);
    const wrongType = { arch: { type: 'normal', mu: 0 } } as unknown as Parameters<typeof resolveSearchSpace>[0];
    assert.deepEqual(badInputPaths(() => resolveSearchSpace(wrongType, tasks)), ['search.space.arch.type']);
  });

  void it('rejects parameters that are no model setting', () => {
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ momentum: { type: 'float', low: 0, high: 1 } }, tasks)), ['search.space.momentum']);
  });

  void it('rejects a condition on a parameter that is not in the space, on itself, or in a cycle', () => {
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ weighting: null }, tasks)), conditionedOn(defaultSearchSpace(tasks), 'weighting'));
    assert.deepEqual(
      badInputPaths(() => resolveSearchSpace({ dropout: { type: 'float', low: 0, high: 0.5, when: { param: 'dropout', in: [0.1] } } }, tasks)),
      ['search.space.dropout.when.param'],
    );
    const cycle: SearchSpaceOverride = {
      l2: { type: 'float', low: 1e-6, high: 1e-2, when: { param: 'dropout', in: [0.1] } },
      dropout: { type: 'float', low: 0, high: 0.5, when: { param: 'l2', in: [0.001] } },
    };
    const paths = badInputPaths(() => resolveSearchSpace(cycle, tasks));
    assert.equal(paths.length, 1);
    assert.match(paths[0]!, /^search\.space\.(l2|dropout)\.when\.param$/);
  });

  void it('rejects simplex keys that are not weighted tasks, and a simplex with no task', () => {
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({ taskWeights: { type: 'simplex', keys: ['churn', 'nope'] } }, tasks)), ['search.space.taskWeights.keys']);
    assert.deepEqual(badInputPaths(() => resolveSearchSpace({}, [])), ['search.space.taskWeights.keys']);
  });
});

describe('orderSearchSpace', () => {
  void it('puts every conditional parameter after its parent, otherwise keeps the declared order', () => {
    const space: SearchSpace = {
      experts: { type: 'int', low: 2, high: 8, when: { param: 'arch', in: ['mmoe', 'ple'] } },
      dropout: { type: 'float', low: 0, high: 0.5 },
      gates: { type: 'int', low: 1, high: 2, when: { param: 'experts', in: [4] } },
      arch: { type: 'categorical', choices: ['single', 'mmoe'] },
    };
    assert.deepEqual(orderSearchSpace(space), ['arch', 'experts', 'dropout', 'gates']);
  });
});

describe('findSampleIssues', () => {
  const space = resolveSearchSpace({ sharedDepth: { type: 'int', low: 1, high: 5, step: 2 } }, tasks);
  const valid = {
    arch: 'shared-bottom',
    weighting: 'fixed',
    taskWeights: { churn: 0.5, security_xsell: 0.25, spend: 0.25 },
    sharedWidth: 64,
    sharedDepth: 3,
    towerWidth: 16,
    towerDepth: 0,
    wide: true,
    normalization: 'batch',
    imbalance: 'none',
    dropout: 0.2,
    l2: 1e-4,
    learningRate: 1e-3,
    lrSchedule: 'cosine',
    warmupEpochs: 1,
    weightDecay: 1e-4,
    batchSize: 256,
    epochs: 20,
    'features.numericEncoding': 'quantile',
    'features.categoricalEmbedding': null,
    'features.treeLeaves': 0,
  };

  void it('accepts a sample that fits', () => {
    assert.deepEqual(findSampleIssues(space, valid), []);
  });

  void it('finds each kind of misfit', () => {
    const paths = (sample: Record<string, unknown>) => findSampleIssues(space, sample as typeof valid).map((i) => i.path);
    assert.deepEqual(paths({ ...valid, arch: 'mlp' }), ['arch']);
    assert.deepEqual(paths({ ...valid, dropout: 0.6 }), ['dropout']);
    assert.deepEqual(paths({ ...valid, sharedDepth: 2 }), ['sharedDepth']);
    assert.deepEqual(paths({ ...valid, epochs: 20.5 }), ['epochs']);
    assert.deepEqual(paths({ ...valid, taskWeights: { churn: 0.5, spend: 0.5 } }), ['taskWeights']);
    assert.deepEqual(paths({ ...valid, taskWeights: { churn: 0.5, security_xsell: 0.5, spend: 0.5 } }), ['taskWeights']);
    assert.deepEqual(paths({ ...valid, momentum: 0.9 }), ['momentum']);
    const { l2: _l2, ...withoutL2 } = valid;
    assert.deepEqual(paths(withoutL2), ['l2']);
    // weighting is not "fixed", so taskWeights must be absent.
    const other = resolveSearchSpace({ weighting: { type: 'categorical', choices: ['fixed', 'uncertainty'] } }, tasks);
    assert.deepEqual(findSampleIssues(other, { ...valid, weighting: 'uncertainty' }).map((i) => i.path), ['taskWeights']);
  });
});

describe('config search section', () => {
  void it('has documented defaults', () => {
    const search = searchSchema.parse({});
    assert.deepEqual(search, { strategy: 'tpe', trials: 20, seed: 42, startupTrials: 8, asha: { eta: 3, minEpochs: 3, maxEpochs: 27 }, defaultTrial: true, linearTrial: true, ensembleTopK: 1, ensembleFolds: 1 });
    const config = configSchema.parse({ data: { path: 'x.csv' }, tasks: [{ name: 't', type: 'binary', label: { column: 'y' } }] });
    assert.deepEqual(config.search, search);
  });

  void it('validates the space override at config load, naming search.space.<param>', () => {
    const base = { data: { path: 'x.csv' }, tasks: [{ name: 't', type: 'binary', label: { column: 'y' } }] };
    const ok = configSchema.safeParse({ ...base, search: { strategy: 'asha', space: { epochs: null, dropout: { type: 'float', low: 0, high: 0.3 } } } });
    assert.equal(ok.success, true);
    const bad = configSchema.safeParse({ ...base, search: { space: { dropout: { type: 'float', low: 0.4, high: 0.3 } }, asha: { minEpochs: 9, maxEpochs: 3 } } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')).sort(), ['search.asha.maxEpochs', 'search.space.dropout.high']);
    assert.equal(configSchema.safeParse({ ...base, search: { strategy: 'grid' } }).success, false);
    assert.equal(configSchema.safeParse({ ...base, search: { trails: 3 } }).success, false);
  });
});

/** The `when.param` paths of every parameter conditioned on `param` (what removing `param` breaks). */
function conditionedOn(space: SearchSpace, param: string): string[] {
  return Object.entries(space)
    .filter(([, spec]) => spec.when?.param === param)
    .map(([name]) => `search.space.${name}.when.param`);
}

import type { SearchSpace } from '../search-space.ts';

/**
 * A space for sampler tests with every kind of parameter: nested conditions (expertWidth needs experts needs
 * arch), a log int, a stepped int, log and linear floats, a simplex and JSON-valued choices.
 */
export const samplerTestSpace: SearchSpace = {
  arch: { type: 'categorical', choices: ['single', 'shared-bottom', 'mmoe'] },
  experts: { type: 'int', low: 2, high: 8, when: { param: 'arch', in: ['mmoe'] } },
  expertWidth: { type: 'int', low: 4, high: 256, log: true, when: { param: 'experts', in: [4, 5, 6, 7, 8] } },
  weighting: { type: 'categorical', choices: ['fixed', 'uncertainty'] },
  taskWeights: { type: 'simplex', keys: ['churn', 'xsell', 'spend'], when: { param: 'weighting', in: ['fixed'] } },
  epochs: { type: 'int', low: 10, high: 60, step: 5 },
  learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  extra: { type: 'categorical', choices: [{ a: 1 }, [1, 2], null, 'x'] },
};

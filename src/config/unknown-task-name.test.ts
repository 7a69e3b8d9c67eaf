import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './load-config.ts';
import { closestName, unknownTaskIssue } from './unknown-task-name.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

const tasks = [
  { name: 'churn', type: 'binary', label: { column: 'Churn' } },
  { name: 'spend', type: 'regression', label: { column: 'MonthlyCharges' } },
];
const table = { data: { path: 'telco.csv' }, tasks };

/** The `details` of the BadInputError that parsing `config` throws, as `path: issue` lines. */
function refusedDetails(config: unknown): string[] {
  return catchBadInput(() => parseConfig(config, 'test')).details.map((detail) => `${detail.path}: ${detail.issue}`);
}

void describe('task names in a config', () => {
  void it('suggests the closest task for a typo and nothing for a name far from every task', () => {
    assert.equal(closestName('chrun', ['churn', 'spend']), 'churn');
    assert.equal(closestName('Spendd', ['churn', 'spend']), 'spend');
    assert.equal(closestName('revenue', ['churn', 'spend']), undefined);
    assert.equal(unknownTaskIssue('chrun', ['churn', 'spend']), '"chrun" is not a task (tasks: churn, spend); did you mean "churn"?');
    assert.equal(unknownTaskIssue('revenue', ['churn', 'spend']), '"revenue" is not a task (tasks: churn, spend)');
  });

  void it('refuses selection.weights, selection.floors and model.taskWeights keys that name no task, with the path', () => {
    const details = refusedDetails({
      ...table,
      selection: { weights: { chrun: 2, spend: 1 }, floors: { chrun: { auc: 0.8 } } },
      model: { taskWeights: { churn: 1, spnd: 0.5 } },
    });
    assert.deepEqual(details, [
      'selection.weights.chrun: "chrun" is not a task (tasks: churn, spend); did you mean "churn"?',
      'selection.floors.chrun: "chrun" is not a task (tasks: churn, spend); did you mean "churn"?',
      'model.taskWeights.spnd: "spnd" is not a task (tasks: churn, spend); did you mean "spend"?',
    ]);
    const error = catchBadInput(() => parseConfig({ ...table, selection: { weights: { chrun: 2 } } }, 'telco.config.json'));
    assert.match(error.message, /invalid config telco\.config\.json:\n {2}selection\.weights\.chrun: "chrun" is not a task/);
  });

  void it('checks events mode against the built-in tasks when tasks are omitted', () => {
    const events = { data: { kind: 'events', customers: 'c.csv', sessions: 's.csv', orders: 'o.csv', cutoff: '2024-06-01' } };
    assert.deepEqual(refusedDetails({ ...events, selection: { weights: { cross_sel: 2 } } }), [
      'selection.weights.cross_sel: "cross_sel" is not a task (tasks: purchase_intent, churn, cross_sell); did you mean "cross_sell"?',
    ]);
    const config = parseConfig({ ...events, selection: { weights: { churn: 2 }, floors: { purchase_intent: { auc: 0.6 } } }, model: { taskWeights: { cross_sell: 0.5 } } }, 'test');
    assert.deepEqual(config.selection.weights, { churn: 2 });
  });
});

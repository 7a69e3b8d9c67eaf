import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import { builtInEventTasks, type TaskSpec } from '../config/schema.ts';
import { resolveTrainTasks } from './train-task.ts';

const labels = { purchase_intent: Float32Array.of(0, 1), churn: Float32Array.of(1, 0), cross_sell: Float32Array.of(0, 2.5) };
const weightsOf = (tasks: readonly TaskSpec[], taskWeights: Record<string, number> = {}): Record<string, number> =>
  Object.fromEntries(resolveTrainTasks(tasks, taskWeights, labels).map((task) => [task.name, task.weight]));

describe('task loss weights', () => {
  it("take model.taskWeights first, then the task's own weight, then 1", () => {
    assert.deepEqual(weightsOf(builtInEventTasks()), { purchase_intent: 1, churn: 1, cross_sell: 2 });
    assert.deepEqual(weightsOf(builtInEventTasks(), { cross_sell: 0.5, churn: 3 }), { purchase_intent: 1, churn: 3, cross_sell: 0.5 });
    const own: TaskSpec[] = [{ name: 'churn', type: 'binary', label: { column: 'churn' }, auxiliary: false, weight: 4 }];
    assert.deepEqual(weightsOf(own), { churn: 4 });
  });

  it('events mode without tasks gets the built-in ones, cross_sell weighted 2; a task weight must be positive', () => {
    const data = { kind: 'events', customers: 'c.csv', sessions: 's.csv', orders: 'o.csv', cutoff: '2024-11-01' };
    const config = parseConfig({ data }, 'test');
    assert.equal(config.tasks.find((task) => task.name === 'cross_sell')?.weight, 2);
    assert.throws(
      () => parseConfig({ data: { path: 't.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' }, weight: 0 }] }, 'test'),
      /tasks\[0\]\.weight/,
    );
  });
});

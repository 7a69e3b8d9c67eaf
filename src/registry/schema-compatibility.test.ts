import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { SchemaMismatchError } from '../errors/schema-mismatch-error.ts';
import type { FeatureField } from '../model/model-card.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';
import { describeSchemaDifferences, type ModelSchema } from './schema-compatibility.ts';

type TaskSchema = ModelSchema['tasks'][number];
const task = (name: string, type: TaskScoringRule['type'], classes?: string[]): TaskSchema => ({ name, type, ...(classes === undefined ? {} : { classes }) });
const schema = (modelId: string, tasks: readonly TaskSchema[], features: readonly FeatureField[]): ModelSchema => ({ modelId, tasks, features });
const champion = schema('champ', [task('churn', 'binary'), task('spend', 'regression')], [
  { name: 'tenure', kind: 'numeric' },
  { name: 'plan', kind: 'categorical', categories: ['basic', 'pro'] },
]);

describe('describeSchemaDifferences', () => {
  it('finds none for the same tasks and features in another order and with other categories', () => {
    const challenger = schema('chall', [task('spend', 'regression'), task('churn', 'binary')], [
      { name: 'plan', kind: 'categorical', categories: ['basic', 'plus', 'pro'] },
      { name: 'tenure', kind: 'numeric' },
    ]);
    assert.deepEqual(describeSchemaDifferences(challenger, champion), []);
  });

  it('names a task added, a task missing and a task of another type', () => {
    const challenger = schema('chall', [task('churn', 'regression'), task('upsell', 'binary')], champion.features);
    assert.deepEqual(describeSchemaDifferences(challenger, champion), [
      'task churn is regression, the champion\'s is binary',
      'task upsell (binary) is new: the champion has no such task',
      'task spend (regression) is missing: the champion has it',
    ]);
  });

  it('names a feature added, a feature missing and a feature of another kind', () => {
    const challenger = schema('chall', champion.tasks, [
      { name: 'tenure', kind: 'categorical', categories: ['1', '2'] },
      { name: 'region', kind: 'categorical', categories: ['n'] },
    ]);
    assert.deepEqual(describeSchemaDifferences(challenger, champion), [
      'feature tenure is categorical, the champion\'s is numeric',
      'feature region (categorical) is new: the champion does not take it',
      'feature plan (categorical) is missing: the champion takes it',
    ]);
  });

  it('names other classes of a multiclass task', () => {
    const before = schema('champ', [task('tier', 'multiclass', ['a', 'b'])], []);
    const after = schema('chall', [task('tier', 'multiclass', ['a', 'b', 'c'])], []);
    assert.deepEqual(describeSchemaDifferences(after, before), ['task tier has classes [a, b, c], the champion\'s [a, b]']);
  });

  it('is worded into a SchemaMismatchError (a BadInputError: exit 2) naming both models and every difference', () => {
    const challenger = schema('chall', [task('churn', 'binary')], [{ name: 'tenure', kind: 'numeric' }]);
    const error = new SchemaMismatchError('chall', 'champ', describeSchemaDifferences(challenger, champion), 'or accept it');
    assert.ok(error instanceof BadInputError);
    assert.equal(error.name, 'SchemaMismatchError');
    assert.equal(error.exitCode, 2);
    assert.equal(
      error.message,
      [
        'challenger chall does not have the tasks and features of champion champ (or accept it):',
        '  tasks: task spend (regression) is missing: the champion has it',
        '  features: feature plan (categorical) is missing: the champion takes it',
      ].join('\n'),
    );
    assert.deepEqual(error.details.map((detail) => detail.issue), error.differences);
  });
});

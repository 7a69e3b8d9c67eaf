import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomerPrediction } from './score-rows.ts';
import { assignSegment } from './segment.ts';
import { flattenPrediction, scoreColumns } from './write-scores.ts';

const tasks = [{ name: 'plan', classes: ['basic', 'pro'] }, { name: 'churn' }];

void describe('score output with a multiclass task', () => {
  void it('adds one probability column per class after the task decile and writes the class as the decision', () => {
    assert.deepEqual(scoreColumns(tasks), ['id', 'plan', 'plan_decision', 'plan_decile', 'plan_p_basic', 'plan_p_pro', 'churn', 'churn_decision', 'churn_decile', 'segment']);
    const prediction: CustomerPrediction = {
      id: 'c1',
      scores: { plan: 0.75, churn: 0.2 },
      decisions: { plan: true, churn: false },
      deciles: { plan: 8, churn: 3 },
      classes: { plan: 'pro' },
      probabilities: { plan: { basic: 0.25, pro: 0.75 } },
      segment: 'plan=pro',
    };
    assert.deepEqual(flattenPrediction(prediction, tasks), {
      id: 'c1',
      plan: 0.75,
      plan_decision: 'pro',
      plan_decile: 8,
      plan_p_basic: 0.25,
      plan_p_pro: 0.75,
      churn: 0.2,
      churn_decision: false,
      churn_decile: 3,
      segment: 'plan=pro',
    });
  });

  void it('names a multiclass task in the segment as task=class, in config order', () => {
    const rules = [
      { name: 'plan', type: 'multiclass', auxiliary: false, threshold: 0, classes: ['basic', 'pro'], decileEdges: [] },
      { name: 'churn', type: 'binary', auxiliary: false, threshold: 0.5, decileEdges: [] },
    ] as const;
    const scores = { plan: 0.6, churn: 0.5 };
    const deciles = { plan: 5, churn: 5 };
    assert.equal(assignSegment({ scores, deciles, decisions: { plan: true, churn: true }, classes: { plan: 'basic' } }, rules), 'plan=basic+churn');
    assert.equal(assignSegment({ scores, deciles, decisions: { plan: true, churn: false }, classes: { plan: 'pro' } }, rules), 'plan=pro');
    assert.equal(assignSegment({ scores, deciles, decisions: { churn: false } }, rules.slice(1)), 'none');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SplitMetrics } from '../metrics/evaluation.ts';
import type { BinaryTaskMetrics } from '../metrics/task-metrics.ts';
import { decidePromotion } from './promotion-rules.ts';

const task = (auc: number, f1: number): BinaryTaskMetrics => ({ type: 'binary', auc, f1, prAuc: null, precision: 0, recall: 0, logLoss: null, brier: null, ece: null, threshold: 0.5, rows: 100, positives: 30 });
const split = (tasks: Record<string, [number, number]>, combinedScore: number): SplitMetrics => ({
  tasks: Object.fromEntries(Object.entries(tasks).map(([name, [auc, f1]]) => [name, task(auc, f1)])),
  combinedScore,
  deltaM: null,
});
const rules = { minGain: 0.002, maxTaskDrop: 0.01 };

describe('decidePromotion', () => {
  it('promotes when there is no champion', () => {
    assert.equal(decidePromotion(split({ churn: [0.8, 0.6] }, 0.7), undefined, rules).promote, true);
  });

  it('refuses a challenger that improves the combined score but drops one task\'s AUC beyond maxTaskDrop, naming it', () => {
    const champion = split({ churn: [0.84, 0.6], xsell: [0.78, 0.6] }, 0.705);
    const challenger = split({ churn: [0.86, 0.7], xsell: [0.76, 0.62] }, 0.735);
    const decision = decidePromotion(challenger, champion, rules);
    assert.equal(decision.promote, false);
    assert.match(decision.reason, /xsell AUC -0\.0200/);
    assert.doesNotMatch(decision.reason, /churn AUC/);
  });

  it('refuses a gain below minGain and promotes a clear gain without task drops', () => {
    const champion = split({ churn: [0.84, 0.6] }, 0.72);
    assert.match(decidePromotion(split({ churn: [0.841, 0.6] }, 0.7205), champion, rules).reason, /below minGain/);
    const decision = decidePromotion(split({ churn: [0.835, 0.65] }, 0.7425), champion, rules);
    assert.equal(decision.promote, true, 'a 0.005 AUC drop is within maxTaskDrop');
    assert.ok(Math.abs((decision.aucChanges.churn ?? 0) + 0.005) < 1e-12);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { segmentsSchema } from '../config/segments-schema.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';
import { assignSegment, type SegmentInput } from './segment.ts';

const edges = (median: number): number[] => [0.1, 0.2, 0.3, 0.4, median, 0.6, 0.7, 0.8, 0.9];
const tasks: TaskScoringRule[] = [
  { name: 'churn', type: 'binary', auxiliary: false, threshold: 0.5, decileEdges: edges(0.5) },
  { name: 'spend', type: 'regression', auxiliary: false, threshold: 40, positiveAbove: 40, decileEdges: [10, 20, 30, 40, 50, 60, 70, 80, 90] },
  { name: 'cross_sell', type: 'binary', auxiliary: false, threshold: 0.3, decileEdges: edges(0.45) },
  { name: 'plan', type: 'multiclass', auxiliary: false, threshold: 0, classes: ['basic', 'pro'], decileEdges: edges(0.55) },
];

const rules = segmentsSchema.parse({
  default: 'other',
  rules: [
    { name: 'retain', when: [{ task: 'churn', decile: { gte: 8 } }, { task: 'spend', score: { gt: 'median' } }] },
    { name: 'upsell', when: [{ task: 'cross_sell', decile: { gte: 8 } }] },
    { name: 'pro-fans', when: [{ task: 'plan', class: ['pro'] }, { task: 'churn', decision: false }] },
    { name: 'mid', when: [{ task: 'spend', score: { gte: 20, lt: 30 } }] },
  ],
});

function customer(overrides: Partial<SegmentInput> = {}): SegmentInput {
  return {
    scores: { churn: 0.2, spend: 25, cross_sell: 0.1, plan: 0.6 },
    decisions: { churn: false, spend: false, cross_sell: false, plan: true },
    deciles: { churn: 2, spend: 3, cross_sell: 1, plan: 6 },
    classes: { plan: 'basic' },
    ...overrides,
  };
}

describe('segment rules', () => {
  it('name the first rule whose conditions all hold', () => {
    // High churn decile and spend above the held-out median (50): retain, although upsell also matches.
    const both = customer({ scores: { churn: 0.9, spend: 55, cross_sell: 0.95, plan: 0.6 }, deciles: { churn: 9, spend: 6, cross_sell: 10, plan: 6 } });
    assert.equal(assignSegment(both, tasks, rules), 'retain');
    // Spend exactly at the median is not above it: retain fails, upsell wins.
    const atMedian = customer({ scores: { churn: 0.9, spend: 50, cross_sell: 0.95, plan: 0.6 }, deciles: { churn: 9, spend: 6, cross_sell: 10, plan: 6 } });
    assert.equal(assignSegment(atMedian, tasks, rules), 'upsell');
  });

  it('compare deciles inclusively with gte, and ranges with two operators', () => {
    assert.equal(assignSegment(customer({ deciles: { churn: 2, spend: 3, cross_sell: 8, plan: 6 } }), tasks, rules), 'upsell');
    assert.equal(assignSegment(customer({ deciles: { churn: 2, spend: 3, cross_sell: 7, plan: 6 } }), tasks, rules), 'mid');
    assert.equal(assignSegment(customer({ scores: { churn: 0.2, spend: 30, cross_sell: 0.1, plan: 0.6 } }), tasks, rules), 'other');
  });

  it('match a multiclass class and a decision', () => {
    assert.equal(assignSegment(customer({ classes: { plan: 'pro' } }), tasks, rules), 'pro-fans');
    const churning = customer({ classes: { plan: 'pro' }, decisions: { churn: true, spend: false, cross_sell: false, plan: true } });
    assert.equal(assignSegment(churning, tasks, rules), 'mid');
  });

  it('fall back to the default name, and without rules to the tasks with a positive decision joined by +', () => {
    const none = customer({ scores: { churn: 0.2, spend: 5, cross_sell: 0.1, plan: 0.6 } });
    assert.equal(assignSegment(none, tasks, rules), 'other');
    assert.equal(assignSegment(customer({ decisions: { churn: true, spend: true, cross_sell: false, plan: true } }), tasks), 'churn+spend+plan=basic');
  });
});

describe('segments in the config', () => {
  const base = {
    data: { path: 'x.csv' },
    tasks: [
      { name: 'churn', type: 'binary', label: { column: 'Churn' } },
      { name: 'spend', type: 'regression', label: { column: 'Monthly' } },
      { name: 'plan', type: 'multiclass', label: { column: 'Contract', classes: ['basic', 'pro'] } },
      { name: 'helper', type: 'binary', label: { column: 'H' }, auxiliary: true },
    ],
  };
  const issues = (segments: unknown): string[] => {
    const parsed = configSchema.safeParse({ ...base, segments });
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('accept rules over served tasks, "median" or numbers, and default the default name to none', () => {
    const parsed = configSchema.parse({ ...base, segments: { rules: [{ name: 'retain', when: [{ task: 'churn', decile: { gte: 8 } }, { task: 'spend', score: { gt: 'median' } }] }] } });
    assert.equal(parsed.segments?.default, 'none');
    assert.deepEqual(issues({ rules: [{ name: 'x', when: [{ task: 'plan', class: 'pro', score: { lte: 0.9 } }] }] }), []);
  });

  it('reject unknown and auxiliary tasks, bad operators, deciles out of 1..10, and class/decision on the wrong task type', () => {
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'nope', decile: { gte: 8 } }] }] }).join('\n'), /segments\.rules\.0\.when\.0\.task: "nope" is not a task of this config; served tasks: churn, spend, plan/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'helper', decile: { gte: 8 } }] }] }).join('\n'), /is auxiliary/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn', decile: { ge: 8 } }] }] }).join('\n'), /decile/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn', decile: { gte: 11 } }] }] }).join('\n'), /decile\.gte/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn', score: { gt: 'mean' } }] }] }).join('\n'), /score\.gt/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn' }] }] }).join('\n'), /give at least one of score, decile, decision, class/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn', score: {} }] }] }).join('\n'), /give at least one of gte, gt, lte, lt/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'plan', decision: true }] }] }).join('\n'), /multiclass .*use "class"/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'churn', class: 'pro' }] }] }).join('\n'), /only multiclass tasks take "class"/);
    assert.match(issues({ rules: [{ name: 'x', when: [{ task: 'plan', class: 'gold' }] }] }).join('\n'), /has no class "gold"/);
    assert.match(issues({ rules: [] }).join('\n'), /segments\.rules/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelSchema } from '../config/schema.ts';
import type { LeaderboardRow, TrialStatus } from '../search/run-record.ts';
import { orderLeaderboard, renderLeaderboardTable, summarizeParams } from './leaderboard-table.ts';

function row(trialId: string, status: TrialStatus, score: number | null, extra: Partial<LeaderboardRow> = {}): LeaderboardRow {
  const split = { tasks: {}, combinedScore: score, deltaM: null };
  return {
    trialId,
    config: modelSchema.parse({}),
    sample: {},
    metrics: score === null ? null : { validation: split, test: split },
    status,
    epochs: 3,
    rung: 0,
    rungScores: [],
    modelId: null,
    attempts: 1,
    baseline: false,
    ...extra,
  };
}

describe('leaderboard table', () => {
  it('orders the winner first, then by validation score, failed trials last', () => {
    const rows = [row('a', 'failed', null), row('b', 'completed', 0.7), row('c', 'pruned', 0.9), row('d', 'completed', 0.8), row('e', 'completed', null)];
    assert.deepEqual(orderLeaderboard(rows, 'd').map((r) => r.trialId), ['d', 'c', 'b', 'e', 'a']);
    assert.deepEqual(orderLeaderboard(rows, undefined).map((r) => r.trialId), ['c', 'd', 'b', 'e', 'a']);
  });

  it('lists every trial once, with the error of a failed one', () => {
    const html = renderLeaderboardTable([row('t1', 'completed', 0.8), row('t2', 'failed', null, { error: 'worker <killed>', attempts: 2 })], { winnerId: 't1' });
    assert.equal((html.match(/data-trial="/g) ?? []).length, 2);
    assert.match(html, /error: worker &#60;killed&#62;/);
    assert.match(html, /★ winner/);
    assert.match(html, /2 launches/);
    assert.doesNotMatch(html, /default recipe/);
    const tagged = renderLeaderboardTable([row('t000', 'completed', 0.7, { baseline: true }), row('t001', 'completed', 0.8, { defaultRecipe: true })], { baselineId: 't000' });
    assert.match(tagged, /data-trial="t001"[^]*default recipe[^]*data-trial="t000"[^]*single baseline/);
    assert.match(renderLeaderboardTable([], {}), /empty/);
  });

  it('summarises the parameters that matter, task weights only for fixed weighting', () => {
    const config = modelSchema.parse({ taskWeights: { churn: 1.5, spend: 0.5 }, sharedUnits: [64, 32], towerUnits: [], dropout: 0.1, learningRate: 0.0003 });
    assert.equal(summarizeParams(config), 'λ churn 1.50 · spend 0.50; shared 64×32; tower none; dropout 0.1; lr 3.00e-4; l2 1.00e-4; batch 256');
    assert.equal(summarizeParams(undefined), '');
  });
});

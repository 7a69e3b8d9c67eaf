import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliInProcess } from '../../test/helpers/run-cli-in-process.ts';

describe('tandem generate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-generate-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the shop and prints one JSON document with the row counts, progress on stderr', async () => {
    const out = path.join(dir, 'shop');
    const run = await runCliInProcess(['generate', '--customers', '200', '--seed', '3', '--out', out, '--start', '2024-01-01', '--end', '2024-06-30', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { out: string; customers: number; sessions: number; orders: number };
    assert.equal(result.out, out);
    assert.equal(result.customers, 200);
    const lines = async (file: string): Promise<string[]> => (await readFile(path.join(out, file), 'utf8')).trimEnd().split('\n');
    assert.equal((await lines('sessions.csv')).length, result.sessions + 1);
    assert.equal((await lines('orders.csv')).length, result.orders + 1);
    assert.ok((await lines('orders.csv')).slice(1).every((line) => line.split(',')[2]! < '2024-07-01'));
    assert.deepEqual((await readdir(out)).sort(), ['customers.csv', 'orders.csv', 'sessions.csv']);
    // One line per tenth of the customers, plus the start line.
    assert.equal(run.stderr.split('\n').filter((line) => /customers \(\d+%\)/.test(line)).length, 10);
    assert.match(run.stderr, /200\/200 customers \(100%\)/);
  });

  it('writes optimal-scores.csv with --optimal-scores, at the cutoff that "auto" would pick by default', async () => {
    const out = path.join(dir, 'scored');
    const run = await runCliInProcess(['generate', '--customers', '50', '--seed', '3', '--out', out, '--end', '2024-06-30', '--optimal-scores', '--replicas', '5', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { optimalScores: { file: string; cutoff: string; horizonDays: number; churnDays: number; replicas: number } };
    assert.deepEqual(result.optimalScores, { file: path.join(out, 'optimal-scores.csv'), cutoff: '2024-05-02', horizonDays: 30, churnDays: 60, replicas: 5, knows: 'logs', draws: 200 });
    const lines = (await readFile(result.optimalScores.file, 'utf8')).trimEnd().split('\n');
    assert.equal(lines[0], 'customer_id,purchase_intent,churn,cross_sell');
    assert.equal(lines.length, 51);
    const bad = await runCliInProcess(['generate', '--customers', '5', '--out', path.join(dir, 'never2'), '--optimal-scores', '--cutoff', 'soon']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--cutoff/);
    const unknown = await runCliInProcess(['generate', '--customers', '5', '--out', path.join(dir, 'never3'), '--optimal-scores', '--knows', 'everything']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /--knows: expected one of logs, rates, tastes, spells/);
  });

  it('exits 2 naming the flag for bad values', async () => {
    const cases: [string[], RegExp][] = [
      [['--customers', '0'], /--customers/],
      [['--customers', 'many'], /--customers/],
      [['--seed', '1.5'], /--seed/],
      [['--start', '2024-13-01'], /--start/],
      [['--end', 'tomorrow'], /--end/],
      [['--start', '2024-05-01', '--end', '2024-04-01'], /--end/],
    ];
    for (const [flags, flag] of cases) {
      const run = await runCliInProcess(['generate', '--out', path.join(dir, 'never'), ...flags]);
      assert.equal(run.code, 2, `${flags.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, flag);
    }
    await assert.rejects(readdir(path.join(dir, 'never')));
  });
});

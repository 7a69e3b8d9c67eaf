import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/main.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyDataFile } from './helpers/train-tiny-model.ts';

/**
 * Two projects in one store (SPEC §8): the fixture table under two names with different tasks, a third config with
 * the first one's name but other tasks and features. Tiny networks, one epoch.
 */
function projectConfig(name: string, tasks: readonly string[], { exclude = ['note'], minGain }: { exclude?: string[]; minGain?: number } = {}): unknown {
  const all: Record<string, unknown> = {
    churn: { name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } },
    security_xsell: { name: 'security_xsell', type: 'binary', label: { column: 'security', positive: ['Yes'] } },
    spend: { name: 'spend', type: 'regression', label: { column: 'monthly' } },
  };
  return {
    name,
    data: { path: tinyDataFile, id: 'customer_id', exclude },
    tasks: tasks.map((task) => all[task]),
    split: { test: 0.2, validation: 0.2, seed: 7 },
    model: { epochs: 1, sharedUnits: [8], towerUnits: [4], batchSize: 16 },
    // maxTaskDrop 1: only minGain decides (a 1-epoch model on 40 rows may lose a task by more than the default 0.01).
    ...(minGain === undefined ? {} : { selection: { minGain, maxTaskDrop: 1 } }),
  };
}

/** `tandem serve` running in this process, with its stdout readable while it runs, until `stop()`. */
function startServe(argv: readonly string[]): { url: Promise<string>; stop: () => Promise<number>; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  let release: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    release = resolve;
  });
  let announced: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    announced = resolve;
  });
  const exit = runCli(['serve', ...argv, '--port', '0', '--json'], {
    stdout: (text) => {
      stdout += text;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) announced((JSON.parse(line) as { url: string }).url);
    },
    stderr: (text) => {
      stderr += text;
    },
    interactive: false,
    env: {},
    stopped,
  });
  return {
    url: Promise.race([url, exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${stderr}`)))]),
    stop: async () => {
      release();
      return exit;
    },
    stderr: () => stderr,
  };
}

describe('several projects in one store: one champion per config name', () => {
  let dir: string;
  let store: string;
  const configs: Record<'shop' | 'bank' | 'shopChanged', string> = { shop: '', bank: '', shopChanged: '' };
  const models: Record<'shop1' | 'shop2' | 'bank1' | 'shopChanged', string> = { shop1: '', shop2: '', bank1: '', shopChanged: '' };

  const train = async (config: string, seed: number): Promise<string> => {
    const run = await runCliInProcess(['train', '--config', config, '--store', store, '--seed', String(seed), '--json']);
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { modelId: string }).modelId;
  };
  const pointer = async (project: string): Promise<{ modelId: string; previousId: string | null }> =>
    JSON.parse(await readFile(path.join(dir, 'store', 'champions', `${project}.json`), 'utf8')) as { modelId: string; previousId: string | null };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-projects-'));
    store = `file://${dir}/store`;
    // minGain 0.5: no retrained shop model can beat the champion by that much, so the rules keep it (exit 3).
    const files = {
      shop: projectConfig('shop-a', ['churn', 'spend'], { minGain: 0.5 }),
      bank: projectConfig('bank_b', ['churn', 'security_xsell']),
      shopChanged: projectConfig('shop-a', ['churn'], { exclude: ['note', 'plan'], minGain: 0.5 }),
    };
    for (const [key, config] of Object.entries(files)) {
      configs[key as keyof typeof configs] = path.join(dir, `${key}.config.json`);
      await writeFile(configs[key as keyof typeof configs], JSON.stringify(config));
    }
    models.shop1 = await train(configs.shop, 1);
    models.shop2 = await train(configs.shop, 2);
    models.bank1 = await train(configs.bank, 1);
    models.shopChanged = await train(configs.shopChanged, 1);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('promotes a model as its project\'s champion, from --config or from the model\'s card, never as another project\'s', async () => {
    const shop = await runCliInProcess(['promote', '--config', configs.shop, '--store', store, '--model', models.shop1, '--json']);
    assert.equal(shop.code, 0, shop.stderr);
    assert.deepEqual(JSON.parse(shop.stdout), { project: 'shop-a', championId: models.shop1, previousId: null, promoted: true, reason: 'no champion yet' });
    assert.equal((await pointer('shop-a')).modelId, models.shop1);
    const elsewhere = await runCliInProcess(['promote', '--config', configs.shop, '--store', store, '--model', models.bank1]);
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, new RegExp(`${models.bank1} belongs to project bank_b .*not to shop-a`));
  });

  it('serves one project\'s champion over HTTP, unmoved when the other project promotes, swapping when its own does', async () => {
    const serving = startServe(['--config', configs.shop, '--store', store]);
    const url = await serving.url;
    const predict = async (): Promise<{ modelId: string; predictions: { scores: Record<string, number> }[] }> => {
      const response = await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customers: [{ customer_id: 'Z1', plan: 'pro', internet: 'DSL', tenure: 12 }] }),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as { modelId: string; predictions: { scores: Record<string, number> }[] };
    };
    try {
      const before = await predict();
      assert.equal(before.modelId, models.shop1);
      assert.deepEqual(Object.keys(before.predictions[0]?.scores ?? {}).sort(), ['churn', 'spend']);

      // The other project's first champion, its project taken from the model's card.
      const bank = await runCliInProcess(['promote', '--store', store, '--model', models.bank1, '--json']);
      assert.equal(bank.code, 0, bank.stderr);
      assert.deepEqual(JSON.parse(bank.stdout), { project: 'bank_b', championId: models.bank1, previousId: null, promoted: true, reason: 'no champion yet' });
      assert.equal((await pointer('bank_b')).modelId, models.bank1);
      assert.equal((await pointer('shop-a')).modelId, models.shop1);
      // Longer than the API's poll interval (5 s): it has read its pointer since.
      await new Promise((resolve) => setTimeout(resolve, 5500));
      const after = await predict();
      assert.equal(after.modelId, models.shop1, 'the other project\'s promotion did not reach this API');
      assert.deepEqual(Object.keys(after.predictions[0]?.scores ?? {}).sort(), ['churn', 'spend']);

      // The rules keep the champion: exit 3, the result still printed.
      const kept = await runCliInProcess(['promote', '--config', configs.shop, '--store', store, '--model', models.shop2, '--json']);
      assert.equal(kept.code, 3, kept.stderr);
      assert.deepEqual(
        { ...(JSON.parse(kept.stdout) as Record<string, unknown>), reason: undefined, comparison: undefined },
        { project: 'shop-a', championId: models.shop1, previousId: null, promoted: false, reason: undefined, comparison: undefined },
      );
      assert.match((JSON.parse(kept.stdout) as { reason: string }).reason, /below minGain 0\.5/);
      const forced = await runCliInProcess(['promote', '--config', configs.shop, '--store', store, '--model', models.shop2, '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      const again = await runCliInProcess(['promote', '--config', configs.shop, '--store', store, '--model', models.shop2]);
      assert.equal(again.code, 0, 'already the champion: exit 0');
      const deadline = Date.now() + 10_000;
      while ((await predict()).modelId !== models.shop2) {
        assert.ok(Date.now() < deadline, `the API did not pick up its own new champion: ${serving.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      assert.equal(await serving.stop(), 0, serving.stderr());
    }
    assert.doesNotMatch(serving.stderr(), new RegExp(models.bank1));
  });

  it('scores with the champion of the named project, and asks which one when the store has several', async () => {
    const out = path.join(dir, 'bank-scores.csv');
    const bank = await runCliInProcess(['score', '--config', configs.bank, '--store', store, '--input', tinyDataFile, '--out', out, '--json']);
    assert.equal(bank.code, 0, bank.stderr);
    assert.equal((JSON.parse(bank.stdout) as { modelId: string }).modelId, models.bank1);
    assert.match((await readFile(out, 'utf8')).split('\n')[0] ?? '', /security_xsell/);
    const unnamed = await runCliInProcess(['score', '--store', store, '--input', tinyDataFile, '--out', out]);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /several projects \(bank_b, shop-a\).*--project/);
    const byFlag = await runCliInProcess(['score', '--project', 'shop-a', '--store', store, '--input', tinyDataFile, '--out', out, '--json']);
    assert.equal((JSON.parse(byFlag.stdout) as { modelId: string }).modelId, models.shop2, byFlag.stderr);
  });

  it('refuses a challenger with other tasks or features, naming them, even with --force; --allow-schema-change accepts it', async () => {
    for (const flags of [[], ['--force']]) {
      const refused = await runCliInProcess(['promote', '--config', configs.shopChanged, '--store', store, '--model', models.shopChanged, ...flags]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /task spend \(regression\) is missing/);
      assert.match(refused.stderr, /feature plan \(categorical\) is missing/);
      assert.match(refused.stderr, /--allow-schema-change/);
    }
    assert.equal((await pointer('shop-a')).modelId, models.shop2);
    const accepted = await runCliInProcess(['promote', '--config', configs.shopChanged, '--store', store, '--model', models.shopChanged, '--allow-schema-change', '--json']);
    assert.equal(accepted.code, 0, accepted.stderr);
    const result = JSON.parse(accepted.stdout) as { promoted: boolean; schemaChanges: string[] };
    assert.equal(result.promoted, true);
    assert.ok(result.schemaChanges.some((change) => change.startsWith('task spend')));
    assert.equal((await pointer('bank_b')).modelId, models.bank1, 'the other project is untouched');
  });

  it('rolls back the named project only', async () => {
    const unnamed = await runCliInProcess(['rollback', '--store', store]);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /bank_b, shop-a/);
    const shop = await runCliInProcess(['rollback', '--project', 'shop-a', '--store', store, '--json']);
    assert.equal(shop.code, 0, shop.stderr);
    assert.deepEqual(JSON.parse(shop.stdout), { project: 'shop-a', championId: models.shop2, previousId: models.shop1, promoted: true, reason: `rollback from ${models.shopChanged}` });
    assert.equal((await pointer('bank_b')).modelId, models.bank1);
    const mismatch = await runCliInProcess(['rollback', '--project', 'bank_b', '--config', configs.shop, '--store', store]);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /--project bank_b differs from the config's name "shop-a"/);
  });
});

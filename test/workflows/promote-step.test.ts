import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promoteChampion } from '../../functions/promote/promote-champion.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { readChampion } from '../../src/registry/champion.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { trainTinyModel } from '../helpers/train-tiny-model.ts';

/** Copies a saved model under another id, with its card changed by `edit` (another project, other tasks). */
async function copyModel(store: FileStore, from: string, to: string, edit: (card: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  for (const key of await store.list(`models/${from}/`)) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const body = await store.get(key);
    await store.put(`models/${to}/${name}`, name === 'card.json' ? JSON.stringify(edit({ ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>), modelId: to })) : body);
  }
}

describe('the workflow\'s promote step: one champion per project', () => {
  let dir: string;
  let store: FileStore;
  let first: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-promote-step-'));
    store = new FileStore(dir);
    await selectBackend();
    first = (await trainTinyModel(store, { epochs: 1 })).modelId;
    await copyModel(store, first, 'fixture-fewer-tasks', (card) => ({ ...card, tasks: (card.tasks as { name: string }[]).filter((task) => task.name !== 'spend') }));
    await copyModel(store, first, 'other-model', (card) => ({ ...card, name: 'other' }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('promotes the winner as the champion of its own project', async () => {
    const outcome = await promoteChampion(store, { runId: 'r1', bestTrialId: 't1', bestModelId: first });
    assert.deepEqual([outcome.promoted, outcome.championId], [true, first]);
    assert.equal((await readChampion(store, 'fixture'))?.modelId, first);
  });

  it('keeps the champion when the winner has other tasks, naming them', async () => {
    const outcome = await promoteChampion(store, { runId: 'r2', bestTrialId: 't1', bestModelId: 'fixture-fewer-tasks' });
    assert.equal(outcome.promoted, false);
    assert.equal(outcome.championId, first);
    assert.match(outcome.reason, /task spend \(regression\) is missing/);
    assert.match(outcome.reason, /--allow-schema-change/);
    assert.equal((await readChampion(store, 'fixture'))?.modelId, first);
  });

  it('leaves other projects\' champions alone', async () => {
    const outcome = await promoteChampion(store, { runId: 'r3', bestTrialId: 't1', bestModelId: 'other-model' });
    assert.deepEqual([outcome.promoted, outcome.championId, outcome.reason], [true, 'other-model', 'no champion yet']);
    assert.equal((await readChampion(store, 'other'))?.modelId, 'other-model');
    assert.equal((await readChampion(store, 'fixture'))?.modelId, first);
  });
});

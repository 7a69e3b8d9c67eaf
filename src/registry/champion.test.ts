import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { FileStore } from '../store/file-store.ts';
import { readJson, writeJson } from '../store/json-object.ts';
import {
  championHistoryKey,
  championKey,
  LEGACY_CHAMPION_HISTORY_KEY,
  LEGACY_CHAMPION_KEY,
  listChampionProjects,
  readChampion,
  resolveChampionProject,
  rollbackChampion,
  writeChampionPointer,
} from './champion.ts';

let workDir = '';
let storeDir = '';
let store: FileStore;
let storeCount = 0;
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tandem-champion-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});
beforeEach(async () => {
  storeDir = path.join(workDir, `store-${++storeCount}`);
  store = new FileStore(storeDir);
  for (const id of ['m1', 'm2', 'm3']) await writeJson(store, `models/${id}/card.json`, { modelId: id, name: 'shop' });
  for (const id of ['t1', 't2']) await writeJson(store, `models/${id}/card.json`, { modelId: id, name: 'bank-churn' });
});

const at = (minute: number): Date => new Date(Date.UTC(2025, 0, 1, 0, minute));
const shop = 'shop';

void describe('champion pointer of one project', () => {
  void it('has no champion until a model is promoted', async () => {
    assert.equal(await readChampion(store, shop), undefined);
  });

  void it('promotes, recording the previous champion, time and reason, in champions/<name>.json', async () => {
    const first = await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first model', now: at(1) });
    assert.deepEqual(first, { modelId: 'm1', previousId: null, promotedAt: '2025-01-01T00:01:00.000Z', reason: 'first model' });
    const second = await writeChampionPointer(store, { project: shop, modelId: 'm2', reason: 'better auc', now: at(2) });
    assert.equal(second.previousId, 'm1');
    assert.deepEqual(await readChampion(store, shop), second);
    assert.equal(championKey(shop), 'champions/shop.json');
    assert.deepEqual(await readJson(store, 'champions/shop.json'), second);
    assert.equal(await store.exists(LEGACY_CHAMPION_KEY), false, 'the single pointer of the older layout is not written');
  });

  void it('refuses a model whose card is missing and keeps the champion', async () => {
    await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first' });
    await store.put('models/half/model.json', '{}');
    await assert.rejects(writeChampionPointer(store, { project: shop, modelId: 'half', reason: 'x' }), NotFoundError);
    await assert.rejects(writeChampionPointer(store, { project: shop, modelId: 'ghost', reason: 'x' }), NotFoundError);
    await assert.rejects(writeChampionPointer(store, { project: shop, modelId: '../m1', reason: 'x' }), BadInputError);
    assert.equal((await readChampion(store, shop))?.modelId, 'm1');
  });

  void it('treats promoting the current champion again as a no-op', async () => {
    const first = await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first', now: at(1) });
    assert.deepEqual(await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'again', now: at(5) }), first);
    await assert.rejects(rollbackChampion(store, { project: shop }), BadInputError);
  });

  void it('rolls back repeatedly through the history, then refuses', async () => {
    for (const [minute, id] of ['m1', 'm2', 'm3'].entries()) await writeChampionPointer(store, { project: shop, modelId: id, reason: `promote ${id}`, now: at(minute) });
    const back1 = await rollbackChampion(store, { project: shop, now: at(10) });
    assert.deepEqual(back1, { modelId: 'm2', previousId: 'm1', promotedAt: '2025-01-01T00:10:00.000Z', reason: 'rollback from m3' });
    const back2 = await rollbackChampion(store, { project: shop, reason: 'bad week' });
    assert.deepEqual([back2.modelId, back2.previousId, back2.reason], ['m1', null, 'bad week']);
    await assert.rejects(rollbackChampion(store, { project: shop }), BadInputError);
    assert.equal((await readChampion(store, shop))?.modelId, 'm1');
    // Promoting after rollbacks starts a new line of history from the restored champion.
    const again = await writeChampionPointer(store, { project: shop, modelId: 'm3', reason: 'retrained' });
    assert.equal(again.previousId, 'm1');
    assert.deepEqual(await readJson(store, championHistoryKey(shop)), { champions: ['m1', 'm3'] });
  });

  void it('refuses a rollback with no champion at all', async () => {
    await assert.rejects(rollbackChampion(store, { project: shop }), BadInputError);
  });

  void it('refuses a rollback to a model whose card has gone', async () => {
    await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first' });
    await writeChampionPointer(store, { project: shop, modelId: 'm2', reason: 'second' });
    await store.delete('models/m1/card.json');
    await assert.rejects(rollbackChampion(store, { project: shop }), NotFoundError);
    assert.equal((await readChampion(store, shop))?.modelId, 'm2');
  });

  void it('trusts the pointer when the history is missing or lags behind it', async () => {
    await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first' });
    await writeChampionPointer(store, { project: shop, modelId: 'm2', reason: 'second' });
    await writeChampionPointer(store, { project: shop, modelId: 'm3', reason: 'third' });
    // A crash after a rollback's pointer put but before its history put.
    await writeJson(store, championKey(shop), { modelId: 'm2', previousId: 'm1', promotedAt: at(0).toISOString(), reason: 'rollback' });
    assert.deepEqual((await rollbackChampion(store, { project: shop })).modelId, 'm1');
    // History lost entirely: the pointer alone still allows one step back.
    await writeChampionPointer(store, { project: shop, modelId: 'm2', reason: 'second again' });
    await store.delete(championHistoryKey(shop));
    const back = await rollbackChampion(store, { project: shop });
    assert.deepEqual([back.modelId, back.previousId], ['m1', null]);
  });

  void it('names the pointer when it is malformed', async () => {
    await writeJson(store, championKey(shop), { modelId: 7 });
    await assert.rejects(readChampion(store, shop), (error: Error) => error instanceof BadInputError && error.message.includes('champions/shop.json'));
  });
});

void describe('champions of several projects in one store', () => {
  void it('keeps each project\'s champion and history apart (a hyphenated name is one plain key)', async () => {
    await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'shop first' });
    await writeChampionPointer(store, { project: 'bank-churn', modelId: 't1', reason: 'bank first' });
    await writeChampionPointer(store, { project: 'bank-churn', modelId: 't2', reason: 'bank second' });
    await writeChampionPointer(store, { project: shop, modelId: 'm2', reason: 'shop second' });
    assert.deepEqual([(await readChampion(store, shop))?.modelId, (await readChampion(store, 'bank-churn'))?.modelId], ['m2', 't2']);
    assert.deepEqual((await rollbackChampion(store, { project: 'bank-churn' })).modelId, 't1');
    assert.equal((await readChampion(store, shop))?.modelId, 'm2', 'a rollback of one project leaves the other alone');
    assert.deepEqual(await readdir(path.join(storeDir, 'champions')), ['bank-churn.json', 'history', 'shop.json']);
    assert.deepEqual(await listChampionProjects(store), ['bank-churn', 'shop']);
  });

  void it('refuses to make a model the champion of a project it was not trained for', async () => {
    await assert.rejects(
      writeChampionPointer(store, { project: shop, modelId: 't1', reason: 'wrong project' }),
      (error: Error) => error instanceof BadInputError && /t1 belongs to project bank-churn/.test(error.message) && /not to shop/.test(error.message),
    );
    assert.equal(await readChampion(store, shop), undefined);
  });

  void it('refuses project names that are not one plain key segment', async () => {
    for (const name of ['../models', 'a/b', '.hidden', '', 'x'.repeat(65)]) {
      await assert.rejects(readChampion(store, name), BadInputError, name);
      assert.throws(() => championKey(name), BadInputError);
    }
  });

  void it('resolves an unnamed project only when the store has exactly one', async () => {
    await assert.rejects(resolveChampionProject(store, undefined), (error: Error) => error instanceof NotFoundError && /no champion/.test(error.message));
    await writeChampionPointer(store, { project: shop, modelId: 'm1', reason: 'first' });
    assert.equal(await resolveChampionProject(store, undefined), shop);
    assert.equal(await resolveChampionProject(store, 'bank-churn'), 'bank-churn');
    await writeChampionPointer(store, { project: 'bank-churn', modelId: 't1', reason: 'first' });
    await assert.rejects(
      resolveChampionProject(store, undefined),
      (error: Error) => error instanceof BadInputError && error.message.includes('bank-churn, shop') && error.message.includes('--project'),
    );
  });
});

void describe('stores of the single models/champion.json layout', () => {
  /** A store as an earlier Tandem left it: one pointer and one history for the whole store. */
  async function writeOldLayout(): Promise<void> {
    await writeJson(store, LEGACY_CHAMPION_KEY, { modelId: 'm2', previousId: 'm1', promotedAt: at(2).toISOString(), reason: 'better auc' });
    await writeJson(store, LEGACY_CHAMPION_HISTORY_KEY, { champions: ['m1', 'm2'] });
  }

  void it('reads the old pointer as the champion of the project on its model\'s card, and of no other', async () => {
    await writeOldLayout();
    assert.deepEqual(await readChampion(store, shop), { modelId: 'm2', previousId: 'm1', promotedAt: at(2).toISOString(), reason: 'better auc' });
    assert.equal(await readChampion(store, 'bank-churn'), undefined);
    assert.deepEqual(await listChampionProjects(store), [shop]);
    assert.equal(await resolveChampionProject(store, undefined), shop);
  });

  void it('moves a project to its own pointer on its next promotion, keeping the history, and leaves the old pointer as it was', async () => {
    await writeOldLayout();
    const next = await writeChampionPointer(store, { project: shop, modelId: 'm3', reason: 'retrained', now: at(3) });
    assert.equal(next.previousId, 'm2');
    assert.deepEqual(await readJson(store, championKey(shop)), next);
    assert.deepEqual(await readJson(store, championHistoryKey(shop)), { champions: ['m1', 'm2', 'm3'] });
    assert.deepEqual((await readJson<{ modelId: string }>(store, LEGACY_CHAMPION_KEY)).modelId, 'm2', 'never rewritten');
    // The history came along: two rollbacks walk back through the old layout's champions.
    assert.equal((await rollbackChampion(store, { project: shop })).modelId, 'm2');
    assert.equal((await rollbackChampion(store, { project: shop })).modelId, 'm1');
    assert.deepEqual(await listChampionProjects(store), [shop]);
  });

  void it('rolls back straight from the old pointer, into the project\'s own', async () => {
    await writeOldLayout();
    const back = await rollbackChampion(store, { project: shop, now: at(4) });
    assert.deepEqual([back.modelId, back.previousId], ['m1', null]);
    assert.equal((await readJson<{ modelId: string }>(store, championKey(shop))).modelId, 'm1');
  });

  void it('lets another project promote its own champion beside the old pointer without taking it over', async () => {
    await writeOldLayout();
    await writeChampionPointer(store, { project: 'bank-churn', modelId: 't1', reason: 'first bank model' });
    assert.equal((await readChampion(store, 'bank-churn'))?.previousId, null, 'the old pointer was never this project\'s');
    assert.equal((await readChampion(store, shop))?.modelId, 'm2');
    assert.deepEqual(await listChampionProjects(store), ['bank-churn', shop]);
  });
});

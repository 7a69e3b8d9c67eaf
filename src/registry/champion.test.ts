import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { FileStore } from '../store/file-store.ts';
import { readJson, writeJson } from '../store/json-object.ts';
import { CHAMPION_HISTORY_KEY, CHAMPION_KEY, readChampion, rollbackChampion, writeChampionPointer } from './champion.ts';

let workDir = '';
let store: FileStore;
let storeCount = 0;
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tandem-champion-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});
beforeEach(async () => {
  store = new FileStore(path.join(workDir, `store-${++storeCount}`));
  for (const id of ['m1', 'm2', 'm3']) await writeJson(store, `models/${id}/card.json`, { modelId: id });
});

const at = (minute: number): Date => new Date(Date.UTC(2025, 0, 1, 0, minute));

void describe('champion pointer', () => {
  void it('has no champion until a model is promoted', async () => {
    assert.equal(await readChampion(store), undefined);
  });

  void it('promotes, recording the previous champion, time and reason', async () => {
    const first = await writeChampionPointer(store, { modelId: 'm1', reason: 'first model', now: at(1) });
    assert.deepEqual(first, { modelId: 'm1', previousId: null, promotedAt: '2025-01-01T00:01:00.000Z', reason: 'first model' });
    const second = await writeChampionPointer(store, { modelId: 'm2', reason: 'better auc', now: at(2) });
    assert.equal(second.previousId, 'm1');
    assert.deepEqual(await readChampion(store), second);
    assert.deepEqual(await readJson(store, CHAMPION_KEY), second);
  });

  void it('refuses a model whose card is missing and keeps the champion', async () => {
    await writeChampionPointer(store, { modelId: 'm1', reason: 'first' });
    await store.put('models/half/model.json', '{}');
    await assert.rejects(writeChampionPointer(store, { modelId: 'half', reason: 'x' }), NotFoundError);
    await assert.rejects(writeChampionPointer(store, { modelId: 'ghost', reason: 'x' }), NotFoundError);
    await assert.rejects(writeChampionPointer(store, { modelId: '../m1', reason: 'x' }), BadInputError);
    assert.equal((await readChampion(store))?.modelId, 'm1');
  });

  void it('treats promoting the current champion again as a no-op', async () => {
    const first = await writeChampionPointer(store, { modelId: 'm1', reason: 'first', now: at(1) });
    assert.deepEqual(await writeChampionPointer(store, { modelId: 'm1', reason: 'again', now: at(5) }), first);
    await assert.rejects(rollbackChampion(store), BadInputError);
  });

  void it('rolls back repeatedly through the history, then refuses', async () => {
    for (const [minute, id] of ['m1', 'm2', 'm3'].entries()) await writeChampionPointer(store, { modelId: id, reason: `promote ${id}`, now: at(minute) });
    const back1 = await rollbackChampion(store, { now: at(10) });
    assert.deepEqual(back1, { modelId: 'm2', previousId: 'm1', promotedAt: '2025-01-01T00:10:00.000Z', reason: 'rollback from m3' });
    const back2 = await rollbackChampion(store, { reason: 'bad week' });
    assert.deepEqual([back2.modelId, back2.previousId, back2.reason], ['m1', null, 'bad week']);
    await assert.rejects(rollbackChampion(store), BadInputError);
    assert.equal((await readChampion(store))?.modelId, 'm1');
    // Promoting after rollbacks starts a new line of history from the restored champion.
    const again = await writeChampionPointer(store, { modelId: 'm3', reason: 'retrained' });
    assert.equal(again.previousId, 'm1');
    assert.deepEqual(await readJson(store, CHAMPION_HISTORY_KEY), { champions: ['m1', 'm3'] });
  });

  void it('refuses a rollback with no champion at all', async () => {
    await assert.rejects(rollbackChampion(store), BadInputError);
  });

  void it('refuses a rollback to a model whose card has gone', async () => {
    await writeChampionPointer(store, { modelId: 'm1', reason: 'first' });
    await writeChampionPointer(store, { modelId: 'm2', reason: 'second' });
    await store.delete('models/m1/card.json');
    await assert.rejects(rollbackChampion(store), NotFoundError);
    assert.equal((await readChampion(store))?.modelId, 'm2');
  });

  void it('trusts the pointer when the history is missing or lags behind it', async () => {
    await writeChampionPointer(store, { modelId: 'm1', reason: 'first' });
    await writeChampionPointer(store, { modelId: 'm2', reason: 'second' });
    await writeChampionPointer(store, { modelId: 'm3', reason: 'third' });
    // A crash after a rollback's pointer put but before its history put.
    await writeJson(store, CHAMPION_KEY, { modelId: 'm2', previousId: 'm1', promotedAt: at(0).toISOString(), reason: 'rollback' });
    assert.deepEqual((await rollbackChampion(store)).modelId, 'm1');
    // History lost entirely: the pointer alone still allows one step back.
    await writeChampionPointer(store, { modelId: 'm2', reason: 'second again' });
    await store.delete(CHAMPION_HISTORY_KEY);
    const back = await rollbackChampion(store);
    assert.deepEqual([back.modelId, back.previousId], ['m1', null]);
  });

  void it('names the pointer when it is malformed', async () => {
    await writeJson(store, CHAMPION_KEY, { modelId: 7 });
    await assert.rejects(readChampion(store), (error: Error) => error instanceof BadInputError && error.message.includes(CHAMPION_KEY));
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../config/load-config.ts';
import { ingestTable } from '../data/ingest-table.ts';
import { selectBackend } from '../model/backend.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import { FileStore } from '../store/file-store.ts';
import { trainAndSaveModel } from '../train/train-and-save.ts';
import { createApp } from './app.ts';
import { bodyLimitForModel, MAX_BODY_BYTES, MIN_BODY_BYTES } from './body-limit.ts';
import { createFixedModelSource, type ModelSource } from './model-source.ts';
import { predictResponseSchema } from './openapi-document.ts';
import { startServer, type RunningServer } from './start-server.ts';

/** 84 feature columns with long names, the width of an events-mode shop model with many categories. */
const numericColumns = Array.from({ length: 76 }, (_, i) => `orders_spend_last_90_days_category_${String(i).padStart(2, '0')}_share_of_wallet`);
const categoricalColumns = Array.from({ length: 8 }, (_, i) => `preferred_contact_channel_and_region_${i}`);
const categories = ['email-newsletter-weekly-digest', 'sms-transactional-only-opt-in', 'phone-call-business-hours-only'];

function wideRow(random: ReturnType<typeof createSeededRandom>, id: number): Record<string, string | number> {
  const row: Record<string, string | number> = { customer_identifier: `CUST-${String(id).padStart(8, '0')}-EU-WEST` };
  // Long-ish values: 10+ significant digits, as a JSON encoder prints a float64.
  for (const column of numericColumns) row[column] = Math.round(random.next() * 1e10) / 1e6 + 0.000123;
  for (const column of categoricalColumns) row[column] = categories[random.int(categories.length)]!;
  return row;
}

function postJson(body: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body };
}

describe('request body limit for the model width', () => {
  let folder: string;
  let model: LoadedModel;
  let models: ModelSource;
  let server: RunningServer;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-body-limit-'));
    const random = createSeededRandom(11);
    const header = ['customer_identifier', ...numericColumns, ...categoricalColumns, 'churned'];
    const lines = [header.join(',')];
    for (let i = 0; i < 120; i++) {
      const row = wideRow(random, i);
      lines.push([...header.slice(0, -1).map((column) => row[column]), random.next() < 0.3 ? 'Yes' : 'No'].join(','));
    }
    await writeFile(path.join(folder, 'wide.csv'), `${lines.join('\n')}\n`);
    const configFile = path.join(folder, 'wide.config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        name: 'wide',
        data: { path: 'wide.csv', id: 'customer_identifier' },
        tasks: [{ name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } }],
        split: { test: 0.2, validation: 0.2, seed: 3 },
      }),
    );
    const { config } = await loadTableConfig(configFile);
    const store = new FileStore(path.join(folder, 'store'));
    const { manifest } = await ingestTable(config, store);
    const trained = await trainAndSaveModel({
      store,
      datasetId: manifest.datasetId,
      name: config.name,
      params: { ...config.model, sharedUnits: [8], towerUnits: [4], batchSize: 32, epochs: 1, patience: 1, dropout: 0 },
      features: config.features,
      selection: config.selection,
      backend: await selectBackend(),
    });
    model = await loadModel(store, trained.modelId);
    models = createFixedModelSource(model);
    server = await startServer(createApp({ models }), { port: 0 });
  });

  after(async () => {
    await server.close();
    await models.close?.();
    await rm(folder, { recursive: true, force: true });
  });

  it('accepts 1000 rows of an 84-feature model with long-ish values over real HTTP (far over the old 1 MiB)', async () => {
    assert.equal(model.card.features.length, 84);
    const random = createSeededRandom(5);
    const body = JSON.stringify({ customers: Array.from({ length: 1000 }, (_, i) => wideRow(random, i)) });
    assert.ok(body.length > 4 * MIN_BODY_BYTES, `a realistic body: ${body.length} bytes`);
    const limit = bodyLimitForModel(model, 1000);
    assert.ok(limit >= 1.5 * body.length, `room to spare: limit ${limit} for ${body.length} bytes`);
    const response = await fetch(`${server.url}/v1/predict`, postJson(body));
    assert.equal(response.status, 200, await response.clone().text());
    const parsed = predictResponseSchema.parse(await response.json());
    assert.equal(parsed.predictions.length, 1000);
    assert.equal(parsed.predictions[999]!.id, 'CUST-00000999-EU-WEST');
    assert.deepEqual(parsed.warnings, []);
    // The documented limit is the enforced one.
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { components: { schemas: { CustomersRequest: { description: string } } } };
    assert.match(document.components.schemas.CustomersRequest.description, new RegExp(`at most ${limit} bytes`));
  });

  it('answers 413 above the limit, by Content-Length and while streaming, and above 1000 rows', async () => {
    const limit = bodyLimitForModel(model, 1000);
    const oversized = JSON.stringify({ customers: [{ [numericColumns[0]!]: 1, padding: 'x'.repeat(limit) }] });
    const declared = await fetch(`${server.url}/v1/predict`, postJson(oversized));
    assert.equal(declared.status, 413);
    assert.equal(declared.headers.get('connection'), 'close');
    const body = (await declared.json()) as { error: { code: string; details: { path: string; issue: string }[] } };
    assert.equal(body.error.code, 'payload_too_large');
    assert.deepEqual(body.error.details, [{ path: 'body', issue: `over ${limit} bytes` }]);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(oversized);
        for (let at = 0; at < bytes.length; at += 1 << 20) controller.enqueue(bytes.subarray(at, at + (1 << 20)));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/v1/explain`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
    await chunked.body?.cancel();
    const random = createSeededRandom(6);
    const tooMany = JSON.stringify({ customers: Array.from({ length: 1001 }, (_, i) => wideRow(random, i)) });
    assert.ok(tooMany.length < limit, 'within the byte limit, over the row limit');
    const rows = await fetch(`${server.url}/v1/predict`, postJson(tooMany));
    assert.equal(rows.status, 413);
    assert.match(((await rows.json()) as { error: { message: string } }).error.message, /1001 customers.*1000/);
  });

  it('derives the limit from the width, between 1 MiB and 32 MiB', () => {
    const withFeatures = (count: number): LoadedModel =>
      ({ card: { features: Array.from({ length: count }, (_, i) => ({ name: `f${i}`, kind: 'numeric' })), idColumn: 'id' } }) as unknown as LoadedModel;
    assert.equal(bodyLimitForModel(undefined, 1000), MIN_BODY_BYTES);
    assert.equal(bodyLimitForModel(withFeatures(3), 1000), MIN_BODY_BYTES);
    assert.equal(bodyLimitForModel(withFeatures(84), 1000), 1000 * (256 + 128 * 85));
    assert.equal(bodyLimitForModel(withFeatures(5000), 1000), MAX_BODY_BYTES);
    assert.ok(bodyLimitForModel(withFeatures(84), 10) < bodyLimitForModel(withFeatures(84), 1000));
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../model/model-artifacts.ts';
import { createSeededRandom, type SeededRandom } from '../random/seeded-random.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createApp } from './app.ts';
import { createFixedModelSource, type ModelSource } from './model-source.ts';
import { errorBodySchema, explainResponseSchema, predictResponseSchema } from './openapi-document.ts';

/** Requests per route; with a fixed seed every run sends the same bodies. */
const CASES_PER_ROUTE = 1000;
const SEED = 20261128;
const REQUEST_TIMEOUT_MS = 5000;

const knownNames = ['customer_id', 'plan', 'internet', 'tenure'];
const oddStrings = ['NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x1F', ' ', '', 'null', 'undefined', '１２', '\u0000', '\ud800', '😀', 'a'.repeat(5000), 'DSL ', 'yes', '1,5'];
const oddNumbers = [0, -0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, -1, 0.1, 123456789.12345679];
const oddKeys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', 'tenure ', 'Tenure', 'plan.x', 'customers[0]', 'k'.repeat(300)];

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.int(items.length)]!;
}

/** A random JSON value, nested up to `depth`. */
function randomValue(random: SeededRandom, depth: number): unknown {
  const kind = random.int(depth > 0 ? 9 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5;
    case 2:
      return pick(random, oddNumbers) * (random.next() < 0.5 ? 1 : random.normal());
    case 3:
      return pick(random, oddStrings);
    case 4:
      return Math.round(random.normal() * 50);
    case 5:
      return String(Math.round(random.normal() * 50));
    case 6:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth - 1));
    default:
      return Object.fromEntries(Array.from({ length: random.int(4) }, () => [randomKey(random), randomValue(random, depth - 1)]));
  }
}

function randomKey(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.5) return pick(random, knownNames);
  if (roll < 0.75) return pick(random, oddKeys);
  return `field${random.int(100)}`;
}

function randomRow(random: SeededRandom): unknown {
  if (random.next() < 0.1) return randomValue(random, 2);
  return Object.fromEntries(Array.from({ length: random.int(6) }, () => [randomKey(random), randomValue(random, random.int(3))]));
}

/** Nesting deeper than any recursive walker's stack. */
function deeplyNested(levels: number, random: SeededRandom): string {
  const [open, close] = random.next() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
  const inner = `${open.repeat(levels)}1${close.repeat(levels)}`;
  return random.next() < 0.5 ? inner : `{"customers":[{"tenure":${inner}}]}`;
}

/** One request body and its headers. */
function randomRequest(random: SeededRandom): { body: string | Uint8Array | undefined; headers: Record<string, string> } {
  const contentTypes = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''];
  const contentType = pick(random, contentTypes);
  const headers: Record<string, string> = contentType === '' ? {} : { 'content-type': contentType };
  const roll = random.int(12);
  const valid = (): string => JSON.stringify({ customers: Array.from({ length: 1 + random.int(8) }, () => randomRow(random)) });
  switch (roll) {
    case 0:
      return { body: undefined, headers };
    case 1:
      return { body: JSON.stringify(randomValue(random, 3)), headers };
    case 2: {
      const text = valid();
      return { body: text.slice(0, random.int(text.length)), headers };
    }
    case 3: {
      // Random bytes, invalid UTF-8 included.
      const bytes = new Uint8Array(random.int(200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
      return { body: bytes, headers };
    }
    case 4: {
      // Valid JSON around an invalid UTF-8 sequence inside a string.
      const prefix = new TextEncoder().encode('{"customers":[{"plan":"');
      const suffix = new TextEncoder().encode('","tenure":3}]}');
      const bad = Uint8Array.of(0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80);
      return { body: Uint8Array.from([...prefix, ...bad.subarray(0, 1 + random.int(bad.length)), ...suffix]), headers };
    }
    case 5:
      return { body: deeplyNested(1000 + random.int(200_000), random), headers };
    case 6:
      return { body: JSON.stringify({ customers: randomValue(random, 2) }), headers };
    case 7:
      return { body: `{"customers":[{"tenure":${pick(random, ['1e400', '-1e400', 'NaN', 'Infinity', '00012', '1.', '.5', '+1', '0x10'])}}]}`, headers };
    case 8:
      return { body: pick(random, ['', ' ', 'null', 'true', '"customers"', '{}', '[]', '{"customers":null}', '\ufeff{"customers":[{"tenure":1}]}']), headers };
    case 9:
      // Many rows: up to the limit and past it.
      return { body: JSON.stringify({ customers: Array.from({ length: pick(random, [999, 1000, 1001, 5000]) }, () => ({ tenure: random.int(70) })) }), headers };
    default:
      return { body: valid(), headers };
  }
}

async function withTimeout<T>(promise: T | Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${what}`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzzing /v1/predict and /v1/explain', () => {
  let folder: string;
  let models: ModelSource;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-fuzz-'));
    const store = new FileStore(folder);
    const { modelId } = await trainTinyModel(store);
    models = createFixedModelSource(await loadModel(store, modelId));
  });

  after(async () => {
    await models.close?.();
    await rm(folder, { recursive: true, force: true });
  });

  for (const route of ['/v1/predict', '/v1/explain']) {
    it(`answers ${CASES_PER_ROUTE} random and malformed bodies on ${route} with a 2xx or a 4xx in the error format, never a 5xx or a hang`, async () => {
      const logged: string[] = [];
      const app = createApp({ models, log: (line) => logged.push(line) });
      const random = createSeededRandom(SEED + route.length);
      const statuses = new Map<number, number>();
      const numTensors = tf.memory().numTensors;
      for (let i = 0; i < CASES_PER_ROUTE; i++) {
        const { body, headers } = randomRequest(random);
        const preview = body === undefined ? '(no body)' : typeof body === 'string' ? body.slice(0, 200) : `(${body.length} bytes)`;
        const what = `case ${i} ${route} ${JSON.stringify(headers)} ${preview}`;
        const response = await withTimeout(app.request(route, { method: 'POST', headers, ...(body === undefined ? {} : { body }) }), what);
        const text = await withTimeout(response.text(), what);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        assert.ok(response.status < 500, `${what} → ${response.status} ${text.slice(0, 300)}`);
        const json: unknown = JSON.parse(text);
        if (response.status === 200) {
          const parsed = route === '/v1/predict' ? predictResponseSchema.parse(json) : explainResponseSchema.parse(json);
          // Every number a client gets is finite (NaN or Infinity would have been serialised as null and failed the schema).
          if ('predictions' in parsed) for (const p of parsed.predictions) for (const score of Object.values(p.scores)) assert.ok(Number.isFinite(score), what);
        } else {
          assert.ok([400, 413].includes(response.status), `${what} → ${response.status}`);
          const error = errorBodySchema.parse(json);
          assert.ok(error.error.details.length > 0, `${what}: details say where`);
        }
      }
      assert.deepEqual(logged, [], 'no unexpected failure was logged');
      assert.equal(tf.memory().numTensors, numTensors, 'no tensor leaked');
      // The generator reaches every outcome, so the test is not passing by sending only one kind of body.
      for (const status of [200, 400, 413]) assert.ok((statuses.get(status) ?? 0) > 10, `${status}: ${JSON.stringify([...statuses])}`);
    });
  }
});

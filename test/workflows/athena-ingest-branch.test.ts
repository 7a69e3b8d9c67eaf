import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planAthenaStep, writeAthenaDatasetStep, type AthenaDatasetEvent, type AthenaPlanEvent } from '../../functions/ingest/athena-steps.ts';
import { measureRawInputStep } from '../../functions/ingest/measure-raw-input.ts';
import type { IngestOutput, MeasureRawInputEvent } from '../../functions/workflow-state.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import type { EventsConfig } from '../../src/config/schema.ts';
import { runAthenaCtasLocally } from '../../src/data/events/athena-local-query.ts';
import { generateShop } from '../../src/data/events/generate-shop.ts';
import { ingestEvents } from '../../src/data/events/ingest-events.ts';
import { findDataset } from '../../src/data/ingest-table.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { workflowStateNames as names } from '../../workflows/tandem-workflow.ts';

let dir = '';
let config: EventsConfig;

function shopConfig(minBytes: number): EventsConfig {
  return parseConfig(
    {
      name: 'shop',
      data: {
        kind: 'events',
        customers: path.join(dir, 'customers.csv'),
        sessions: path.join(dir, 'sessions.csv'),
        orders: path.join(dir, 'orders.csv'),
        cutoff: '2024-10-01',
        topCategories: 3,
        athena: { database: 'tandem_raw', workgroup: 'tandem', minBytes },
      },
    },
    'test',
  ) as EventsConfig;
}

/**
 * The ingest part of the rendered definition, executed by aws-local-stepfunctions up to the plan step (which ends the
 * copy), with the local runner's handlers for the ingest states.
 */
async function runIngestStates(store: FileStore, input: { config: EventsConfig }): Promise<{ output: IngestOutput; states: string[] }> {
  const definition = structuredClone(renderWorkflowDefinition()) as unknown as { States: Record<string, Record<string, unknown>> };
  definition.States[names.plan] = { Type: 'Pass', End: true };
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  promise.withResolvers ??= function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
  const { StateMachine } = await import('aws-local-stepfunctions');
  const json = (value: unknown): never => JSON.parse(JSON.stringify(value)) as never;
  const machine = new StateMachine(definition as never);
  const handlers = {
    [names.measureRawInput]: async (event: unknown) => json(await measureRawInputStep(event as MeasureRawInputEvent, () => { throw new Error('no S3 here'); })),
    [names.planAthenaIngest]: async (event: unknown) => json(await planAthenaStep(store, event as AthenaPlanEvent, () => { throw new Error('no S3 here'); })),
    [names.runAthenaQuery]: async (event: unknown) => {
      await runAthenaCtasLocally(store, input.config, (event as { QueryString: string }).QueryString);
      return json({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    },
    [names.writeAthenaDataset]: async (event: unknown) => json(await writeAthenaDatasetStep(store, event as AthenaDatasetEvent)),
    [names.ingest]: async () => {
      throw new Error('the DuckDB ingest step ran');
    },
  };
  const execution = machine.run(json(input), { overrides: { taskResourceLocalHandlers: handlers }, context: { Execution: { Name: 'local-athena-test' } } });
  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) if (event.type === 'StateEntered') states.push(event.state.name);
  })();
  const output = (await execution.result) as unknown as IngestOutput;
  await collect;
  return { output, states };
}

describe('the Athena ingest branch, run locally', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-athena-branch-'));
    await generateShop({ customers: 150, seed: 5, out: dir });
    config = shopConfig(0);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('routes by the measured size: data.athena at or above minBytes → Athena; below it, or without data.athena → DuckDB', async () => {
    const measure = (c: EventsConfig) => measureRawInputStep({ action: 'measure', input: { config: c }, executionName: 'x', batchIngestMinBytes: 1 << 30 }, () => {
      throw new Error('no S3 here');
    });
    const sized = await measure(config);
    assert.equal(sized.athena, true);
    assert.equal((await measure(shopConfig(sized.rawBytes))).athena, true, 'at the threshold');
    assert.equal((await measure(shopConfig(sized.rawBytes + 1))).athena, false, 'one byte below it');
    const { athena: _, ...withoutAthena } = config.data;
    assert.equal((await measure({ ...config, data: withoutAthena } as EventsConfig)).athena, false);
  });

  it('executes Choice → plan → Athena query (its CTAS text in DuckDB) → dataset, which matches the DuckDB ingest of the same logs', async () => {
    const store = new FileStore(path.join(dir, 'store'));
    const { output, states } = await runIngestStates(store, { config });
    assert.deepEqual(states, [names.measureRawInput, names.chooseIngestRunner, names.planAthenaIngest, names.runAthenaQuery, names.writeAthenaDataset, names.plan]);
    const athena = await findDataset(store, output.datasetId);
    assert.ok(athena, 'the branch wrote a dataset manifest');
    assert.deepEqual(output.tasks.map((task) => task.name), ['purchase_intent', 'churn', 'cross_sell']);
    assert.ok((await store.list(`datasets/athena-tables/local_athena_test/`)).length > 0, 'the CTAS wrote under the store prefix the plan chose');

    const duck = (await ingestEvents(config, new FileStore(path.join(dir, 'duck-store')))).manifest;
    assert.deepEqual(athena.featureColumns, duck.featureColumns);
    assert.deepEqual(athena.events?.categories, duck.events?.categories);
    assert.equal(athena.rows.train + athena.rows.validation + athena.rows.test, duck.rows.train + duck.rows.validation + duck.rows.test);
    assert.deepEqual(athena.taskStats, duck.taskStats);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { runCli } from '../cli/main.ts';
import { loadTableConfig } from '../src/config/load-config.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import { selectBackend } from '../src/model/backend.ts';
import { describeBackend, formatBackendLine, queryNvidiaGpuNames } from '../src/model/describe-backend.ts';
import { openStore } from '../src/store/open-store.ts';
import { tinyConfigFile } from './helpers/train-tiny-model.ts';

describe('the backend and device line of a trial', () => {
  let folder = '';
  let storeUrl = '';
  let spec: Record<string, unknown> = {};

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'tandem-trial-backend-'));
    storeUrl = pathToFileURL(`${folder}/`).href;
    const { config } = await loadTableConfig(tinyConfigFile);
    const { manifest } = await ingestTable(config, openStore(storeUrl));
    const params = { ...config.model, sharedUnits: [4], towerUnits: [2], batchSize: 32, epochs: 1, patience: 1 };
    spec = { runId: 'backend-line', trialId: 't007', datasetId: manifest.datasetId, name: config.name, params, features: config.features, selection: config.selection };
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('is logged by `tandem trial` (what the trainer entrypoint and the Batch command run) before it trains', async () => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    const code = await runCli(['trial', '--store', storeUrl, '--json'], {
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
      interactive: false,
      env: { TANDEM_BACKEND: 'wasm', TANDEM_TRIAL: JSON.stringify(spec) },
      stopped: new Promise(() => {}),
    });
    assert.equal(code, 0, stderr.join(''));
    const lines = stderr.join('').split('\n');
    const index = lines.findIndex((line) => line.includes('TensorFlow.js'));
    assert.equal(lines[index], `trial t007: TensorFlow.js ${tf.version.tfjs} backend wasm on CPU`);
    // Before any epoch is reported: the line opens the trial's log.
    assert.ok(lines.slice(0, index).every((line) => !/epoch/i.test(line)), lines.join('\n'));
    assert.equal((JSON.parse(stdout.join('')) as { backend: string }).backend, 'wasm');
  });

  it('names the CPU for the JavaScript backends without asking for a GPU', async () => {
    await selectBackend('cpu');
    let asked = 0;
    const description = await describeBackend({ queryGpuNames: async () => { asked += 1; return 'NVIDIA A10G'; } });
    assert.deepEqual(description, { backend: 'cpu', device: 'CPU', version: tf.version.tfjs });
    assert.equal(asked, 0);
    assert.equal(formatBackendLine({ backend: 'tensorflow', nativePackage: 'tfjs-node-gpu', device: 'NVIDIA A10G', version: '4.22.0' }), 'TensorFlow.js 4.22.0 backend tensorflow (tfjs-node-gpu) on NVIDIA A10G');
  });

  it('reads no GPU name where nvidia-smi is absent (this machine) instead of failing', async () => {
    const names = await queryNvidiaGpuNames();
    // On a GPU machine nvidia-smi answers with a name; without one the query is undefined, never an error.
    assert.ok(names === undefined || names.length > 0);
  });
});

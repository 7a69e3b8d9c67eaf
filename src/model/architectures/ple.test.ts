import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { checkArchitectureCandidate } from '../../../test/helpers/check-architecture-candidate.ts';
import { modelSchema, type ModelConfig } from '../../config/schema.ts';
import type { TaskHead } from '../architecture.ts';
import { selectBackend } from '../backend.ts';
import { buildNetwork, type MultiTaskNetwork } from '../build-network.ts';

const heads: TaskHead[] = [
  { name: 'buy', type: 'binary', units: 1 },
  { name: 'plan', type: 'multiclass', units: 3 },
];
const inputWidth = 5;

function build(ple: Partial<ModelConfig['ple']>): MultiTaskNetwork {
  const params = modelSchema.parse({ arch: 'ple', normalization: 'none', ple, sharedUnits: [8, 6], towerUnits: [4] });
  return buildNetwork({ inputWidth, tasks: heads, params, targetScales: {} });
}

/** The names of the layers a layer reads in the serving graph (its last inbound node). */
function inputsOf(model: tf.LayersModel, name: string): string[] {
  const nodes = model.getLayer(name).inboundNodes;
  return (nodes.at(-1)?.inboundLayers ?? []).map((layer) => layer.name);
}

function dispose(network: MultiTaskNetwork): void {
  network.training.dispose();
  network.serving.dispose();
}

describe('ple', () => {
  before(async () => {
    await selectBackend();
  });

  it('with levels=2 stacks two CGC levels of shared and per-task experts, gated as in the paper', () => {
    const before = tf.memory().numTensors;
    const network = build({ levels: 2, sharedExperts: 2, taskExperts: 1 });
    try {
      const { serving } = network;
      const layerNames = new Set(serving.layers.map((layer) => layer.name));
      const experts = [...layerNames].filter((name) => /expert\d_dense0$/.test(name)).sort();
      assert.deepEqual(experts, [
        'buy_ple0_expert0_dense0',
        'buy_ple1_expert0_dense0',
        'plan_ple0_expert0_dense0',
        'plan_ple1_expert0_dense0',
        'ple0_shared_expert0_dense0',
        'ple0_shared_expert1_dense0',
        'ple1_shared_expert0_dense0',
        'ple1_shared_expert1_dense0',
      ]);
      // Every expert is an MLP with the widths of sharedUnits.
      for (const name of experts) assert.equal(serving.getLayer(name.replace(/dense0$/, 'dense1')).outputShape[1], 6);
      // Task gates mix the task's own experts and the shared ones; only below the last level is there a shared gate.
      for (const level of [0, 1]) for (const task of ['buy', 'plan']) assert.equal(serving.getLayer(`${task}_ple${level}_gate`).outputShape[1], 1 + 2);
      assert.equal(serving.getLayer('ple0_shared_gate').outputShape[1], 2 * 1 + 2);
      assert.ok(!layerNames.has('ple1_shared_gate'));
      assert.deepEqual(inputsOf(serving, 'ple0_shared_mixture').sort(), ['buy_ple0_expert0_dense1', 'plan_ple0_expert0_dense1', 'ple0_shared_expert0_dense1', 'ple0_shared_expert1_dense1', 'ple0_shared_gate'].sort());
      assert.deepEqual(inputsOf(serving, 'buy_ple0_mixture').sort(), ['buy_ple0_expert0_dense1', 'buy_ple0_gate', 'ple0_shared_expert0_dense1', 'ple0_shared_expert1_dense1'].sort());
      // Level 1 reads level 0's gated outputs: task experts their task's, shared experts the shared one.
      assert.deepEqual(inputsOf(serving, 'buy_ple1_expert0_dense0'), ['buy_ple0_mixture']);
      assert.deepEqual(inputsOf(serving, 'ple1_shared_expert0_dense0'), ['ple0_shared_mixture']);
      assert.deepEqual(inputsOf(serving, 'buy_tower_dense0'), ['buy_ple1_mixture']);

      const x = tf.randomNormal([4, inputWidth], 0, 1, 'float32', 5);
      const outputs = serving.predict(x) as tf.Tensor[];
      assert.deepEqual(outputs.map((t) => t.shape), [[4, 1], [4, 3]]);
      // Level 1's gates read level 0's gated outputs `[batch, 6]`.
      const gate = tf.tidy(() => serving.getLayer('plan_ple1_gate').apply(tf.randomNormal([4, 6], 0, 1, 'float32', 6)) as tf.Tensor);
      for (const sum of tf.tidy(() => gate.sum(1).dataSync())) assert.ok(Math.abs(sum - 1) < 1e-6, 'gates are softmaxes');
      tf.dispose([x, outputs, gate]);

      const shared = network.sharedVariables.map((v) => v.name);
      for (const level of [0, 1]) for (const s of [0, 1]) assert.ok(shared.some((name) => name.startsWith(`ple${level}_shared_expert${s}_dense0/kernel`)), `level ${level} shared expert ${s}`);
      assert.ok(!shared.some((name) => name.includes('tower') || name.startsWith('buy_ple1') || name.startsWith('plan_ple1')), shared.join(', '));
    } finally {
      dispose(network);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('with one level has no shared gate', () => {
    const network = build({ levels: 1, sharedExperts: 1, taskExperts: 2 });
    try {
      const names = network.serving.layers.map((layer) => layer.name);
      assert.ok(!names.some((name) => name.includes('shared_gate')));
      assert.equal(network.serving.getLayer('buy_ple0_gate').outputShape[1], 2 + 1);
      assert.deepEqual(
        network.sharedVariables.map((v) => v.name.replace(/_\d+$/, '')).sort(),
        ['ple0_shared_expert0_dense0/bias', 'ple0_shared_expert0_dense0/kernel', 'ple0_shared_expert0_dense1/bias', 'ple0_shared_expert0_dense1/kernel'],
      );
    } finally {
      dispose(network);
    }
  });

  it('trains 2 epochs to finite metrics, shares its shared experts, and reloads to identical predictions', async () => {
    await checkArchitectureCandidate({ arch: 'ple', ple: { levels: 2, sharedExperts: 2, taskExperts: 1 } }, ({ network }) => {
      const names = network.sharedVariables.map((v) => v.name);
      for (const level of [0, 1]) assert.ok(names.some((name) => name.startsWith(`ple${level}_shared_expert0_dense0/kernel`)), `level ${level} shared kernel`);
    });
  });
});

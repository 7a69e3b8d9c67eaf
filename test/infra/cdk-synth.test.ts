import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

void describe('npm run synth', () => {
  void it('synthesizes the four stacks offline through the cdk CLI, with cdk-nag on, as a deploy would', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'tandem-synth-'));
    try {
      // The package script itself (cdk.json's app, context and nag aspect), not a re-creation of it.
      await run('npm', ['run', '--silent', 'synth', '--', '--output', out], { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
      const templates = (await readdir(out)).filter((name) => name.endsWith('.template.json')).sort();
      assert.deepEqual(templates, ['Tandem-api.template.json', 'Tandem-data.template.json', 'Tandem-pipeline.template.json', 'Tandem-training.template.json']);
      const pipeline = JSON.parse(await readFile(path.join(out, 'Tandem-pipeline.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
      assert.ok(Object.values(pipeline.Resources).some((resource) => resource.Type === 'AWS::StepFunctions::StateMachine'), 'the pipeline stack has the state machine');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

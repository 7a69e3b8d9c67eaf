import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

describe('npm start (tandem demo)', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('generates, trains, promotes and brings the API up, then stops cleanly on SIGINT', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-demo-'));
    // The real entry point in a fresh folder, as a user runs it (fewer customers and epochs to stay quick).
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'bin/tandem.ts'), 'demo', '--customers', '800', '--epochs', '3', '--port', '0', '--json'], {
      cwd: dir,
      env: { ...process.env, PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      child.once('exit', (code) => reject(new Error(`demo exited ${code} before serving: ${stderr}`)));
    });
    const result = JSON.parse(firstLine) as { championId: string; url: string; models: Record<string, string> };
    assert.ok(Object.values(result.models).includes(result.championId));
    const health = (await (await fetch(`${result.url}/healthz`)).json()) as { modelId: string };
    assert.equal(health.modelId, result.championId);
    const card = (await (await fetch(`${result.url}/v1/model`)).json()) as { features: { name: string }[] };
    const customer = Object.fromEntries(card.features.map((field) => [field.name, null]));
    const predicted = await fetch(`${result.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers: [customer] }) });
    assert.equal(predicted.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  });
});

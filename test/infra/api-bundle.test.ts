import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { ApiStack } from '../../infra/api-stack.ts';

/** Lambda's limit on a function's unzipped package (code and layers). */
const unzippedLimitBytes = 250 * 1024 * 1024;

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? await folderBytes(full) : (await stat(full)).size;
  }
  return total;
}

describe('API Lambda bundle (esbuild, as cdk synth builds it)', () => {
  let outdir = '';
  let bundle = '';

  before(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'tandem-api-bundle-'));
    const app = new App({ outdir });
    new ApiStack(app, 'BundleApi', { storeBucket: { arnExportName: 'test-arn', nameExportName: 'test-name' } });
    app.synth();
    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    const withHandler = [];
    for (const name of assets) if ((await readdir(path.join(outdir, name))).includes('index.mjs')) withHandler.push(name);
    assert.equal(withHandler.length, 1, `one bundled function expected, found ${withHandler.join(', ')}`);
    bundle = path.join(outdir, withHandler[0] as string);
    // The Lambda runtime provides the AWS SDK v3 the bundle leaves external; give the test's process the same.
    await mkdir(path.join(outdir, 'node_modules'));
    await symlink(fileURLToPath(new URL('../../node_modules/@aws-sdk', import.meta.url)), path.join(outdir, 'node_modules', '@aws-sdk'));
  });
  after(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('ships the wasm binaries and stays far under the unzipped package limit', async () => {
    const files = await readdir(bundle);
    assert.ok(files.includes('tfjs-backend-wasm.wasm'), files.join(', '));
    const bytes = await folderBytes(bundle);
    assert.ok(bytes < unzippedLimitBytes / 5, `bundle is ${(bytes / 1048576).toFixed(1)} MiB`);
  });

  it('loads on the wasm backend and answers through the Lambda handler', async () => {
    const store = await mkdtemp(path.join(tmpdir(), 'tandem-api-store-'));
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(bundle, 'index.mjs')).href)});
      const event = { version: '2.0', routeKey: '$default', rawPath: '/nope', rawQueryString: '', headers: {}, isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path: '/nope', sourceIp: '127.0.0.1' } } };
      const response = await handler(event, {});
      process.stdout.write(JSON.stringify({ statusCode: response.statusCode, body: response.body }));`;
    const env = { ...process.env, TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_BACKEND: 'wasm' };
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    await rm(store, { recursive: true, force: true });
    assert.equal(result.code, 0, result.stderr);
    const response = JSON.parse(result.stdout) as { statusCode: number; body: string };
    assert.equal(response.statusCode, 404);
    assert.match(response.body, /no route GET \/nope/);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { folderBytes, provideLambdaRuntimeSdk, synthApiBundle } from '../helpers/lambda-bundle.ts';
import { runNodeScript } from '../helpers/run-process.ts';

/** Lambda's limit on a function's unzipped package (code and layers). */
const unzippedLimitBytes = 250 * 1024 * 1024;

describe('API Lambda bundle (esbuild, as cdk synth builds it)', () => {
  let outdir = '';
  let bundle = '';

  before(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'tandem-api-bundle-'));
    ({ folder: bundle } = await synthApiBundle(outdir));
    // The Lambda runtime provides the AWS SDK v3 the bundle leaves external; give the test's process the same.
    await provideLambdaRuntimeSdk(outdir);
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
      process.stdout.write('\\nRESPONSE ' + JSON.stringify({ statusCode: response.statusCode, body: response.body }) + '\\n');`;
    const env = { ...process.env, TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_BACKEND: 'wasm', TANDEM_PROJECT: 'fixture' };
    const result = await runNodeScript(script, env);
    await rm(store, { recursive: true, force: true });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    const response = JSON.parse(lines.find((line) => line.startsWith('RESPONSE '))?.slice('RESPONSE '.length) ?? 'null') as { statusCode: number; body: string };
    assert.equal(response.statusCode, 404);
    // The bundled Powertools Metrics printed the request's EMF line (stdout, as CloudWatch Logs reads it on Lambda).
    assert.ok(lines.some((line) => line.includes('"_aws"') && line.includes('"route":"other"') && line.includes('"status":"404"')), result.stdout);
    assert.match(response.body, /no route GET \/nope/);
  });
  it('fails its cold start naming TANDEM_PROJECT when it is not told whose champion to serve', async () => {
    const store = await mkdtemp(path.join(tmpdir(), 'tandem-api-store-'));
    const script = `await import(${JSON.stringify(pathToFileURL(path.join(bundle, 'index.mjs')).href)});`;
    const env = { ...process.env, TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_BACKEND: 'wasm', TANDEM_PROJECT: '' };
    const result = await runNodeScript(script, env);
    await rm(store, { recursive: true, force: true });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /MissingEnvironmentError|needs the environment variable TANDEM_PROJECT/);
    assert.match(result.stderr, /TANDEM_PROJECT/);
  });
});

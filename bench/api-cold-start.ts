/**
 * API Lambda cold-start benchmark: builds the API bundle exactly as `cdk synth` does (the API stack synthesized by
 * the helper the bundle test uses, so the construct's own esbuild options), then, in a fresh plain `node` process per
 * repetition (no tsx loader), measures what a cold start spends before the first answer:
 *
 * - `importMs`: `await import(index.mjs)`: parsing and evaluating the bundle, the wasm backend's start, the AWS SDK
 *   and every other module the handler imports at the top (the champion pointer is absent at this point);
 * - `modelLoadMs`: the pointer is put in place and the first invocation (`GET /healthz`) reads it and loads the model;
 * - `firstPredictionMs`: the first `POST /v1/predict` (one customer) through the Lambda handler.
 *
 * Deployed, the model loads inside the import (its top-level await reads the pointer); split this way each figure is
 * measured on its own and `totalMs` is what the deployed cold start spends. Each variant runs with the function's
 * environment from the synthesized template: "as deployed", and "with source maps enabled"
 * (`NODE_OPTIONS=--enable-source-maps` added). Prints one JSON line with the median of `--runs` repetitions:
 * `{bench:"api-cold-start", runs, bundleBytes, sourceMapBytes, model, variants:[{variant, nodeOptions, importMs,
 * modelLoadMs, firstPredictionMs, totalMs, peakRssMB}]}`.
 *
 * `--bundle DIR` measures an asset folder built earlier (say by an older checkout) instead of synthesizing one; its
 * second variant is then "without source maps" (no NODE_OPTIONS) and the AWS SDK must resolve from DIR's parent's
 * `node_modules` if the bundle leaves it external.
 *
 *   npm run --silent bench:cold-start -- [--runs 7] [--model ID --store PATH] [--bundle DIR]
 */
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModel } from '../src/model/model-artifacts.ts';
import { championKey, writeChampionPointer } from '../src/registry/champion.ts';
import { exampleCustomer } from '../src/serve/openapi-document.ts';
import { FileStore } from '../src/store/file-store.ts';
import { provideLambdaRuntimeSdk, synthApiBundle } from '../test/helpers/lambda-bundle.ts';
import { runNodeScript } from '../test/helpers/run-process.ts';
import { trainTinyModel } from '../test/helpers/train-tiny-model.ts';

interface ChildFigures {
  importMs: number;
  modelLoadMs: number;
  firstPredictionMs: number;
  peakRssMB: number;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    model: { type: 'string' },
    store: { type: 'string' },
    bundle: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);
if ((values.model === undefined) !== (values.store === undefined)) throw new Error('--model ID and --store PATH (a file store folder) go together');

/** The median of `numbers` (the mean of the middle two for an even count). */
function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A Lambda function URL (payload 2.0) event. */
function lambdaEvent(method: string, rawPath: string, body?: string): Record<string, unknown> {
  return {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', isBase64Encoded: false,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    requestContext: { http: { method, path: rawPath, sourceIp: '127.0.0.1' } },
    ...(body === undefined ? {} : { body }),
  };
}

const outdir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-cold-start-'));
try {
  let folder: string;
  let environment: Record<string, unknown>;
  if (values.bundle === undefined) {
    process.stderr.write('synthesizing the API stack (esbuild as cdk synth runs it)...\n');
    ({ folder, environment } = await synthApiBundle(outdir));
    await provideLambdaRuntimeSdk(outdir);
  } else {
    folder = path.resolve(values.bundle);
    environment = { TANDEM_BACKEND: 'wasm' };
  }
  const bundleFile = path.join(folder, 'index.mjs');
  const bundleBytes = (await stat(bundleFile)).size;
  const sourceMapBytes = await stat(`${bundleFile}.map`).then((s) => s.size, () => 0);

  const storeFolder = values.store ?? path.join(outdir, 'store');
  const store = new FileStore(storeFolder);
  process.stderr.write(values.model === undefined ? 'training a tiny model...\n' : `using model ${values.model}\n`);
  const modelId = values.model ?? (await trainTinyModel(store)).modelId;
  const model = await loadModel(store, modelId);
  const modelProject = model.card.name;
  await writeChampionPointer(store, { project: modelProject, modelId, reason: 'bench:cold-start' });
  // The children start without the pointer and copy it in after the import, so import and model load are timed apart.
  const pointerFile = path.join(storeFolder, ...championKey(modelProject).split('/'));
  const parkedPointer = path.join(outdir, 'champion-pointer.json');
  await copyFile(pointerFile, parkedPointer);
  model.network.dispose();

  const body = JSON.stringify({ customers: [exampleCustomer(model)] });
  const script = `
    import { copyFile, rm } from 'node:fs/promises';
    await rm(${JSON.stringify(pointerFile)}, { force: true });
    let start = performance.now();
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundleFile).href)});
    const importMs = performance.now() - start;
    await copyFile(${JSON.stringify(parkedPointer)}, ${JSON.stringify(pointerFile)});
    start = performance.now();
    const health = await handler(${JSON.stringify(lambdaEvent('GET', '/healthz'))}, {});
    const modelLoadMs = performance.now() - start;
    start = performance.now();
    const predicted = await handler(${JSON.stringify(lambdaEvent('POST', '/v1/predict', body))}, {});
    const firstPredictionMs = performance.now() - start;
    if (health.statusCode !== 200 || predicted.statusCode !== 200) throw new Error('answered ' + health.statusCode + ' ' + health.body + ' / ' + predicted.statusCode + ' ' + predicted.body);
    process.stdout.write('\\nCOLD-START ' + JSON.stringify({ importMs, modelLoadMs, firstPredictionMs, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\\n');`;

  const deployedEnvironment = Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)]));
  const baseEnv = {
    PATH: process.env.PATH ?? '',
    ...deployedEnvironment,
    TANDEM_STORE: pathToFileURL(`${storeFolder}/`).href,
    TANDEM_PROJECT: modelProject,
    // No Secrets Manager extension runs here: serve without keys (their first read is one localhost call, not measured).
    TANDEM_API_KEYS_SECRET: '',
    // Powertools' logger writes JSON lines on stdout; only warnings and errors (the "serving champion" line).
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const deployedNodeOptions = deployedEnvironment.NODE_OPTIONS ?? '';
  const variants = [
    { variant: 'with source maps enabled', nodeOptions: [deployedNodeOptions.replace('--enable-source-maps', '').trim(), '--enable-source-maps'].filter((o) => o !== '').join(' ') },
    { variant: values.bundle === undefined ? 'as deployed' : 'without source maps', nodeOptions: deployedNodeOptions },
  ];
  const samples = new Map<string, ChildFigures[]>(variants.map(({ variant }) => [variant, []]));
  // Interleaved, so a slow stretch of the machine does not land on one variant only.
  for (let run = 0; run < runs; run++) {
    for (const { variant, nodeOptions } of variants) {
      const env = { ...baseEnv, NODE_OPTIONS: nodeOptions };
      const result = await runNodeScript(script, env);
      const line = result.stdout.split('\n').find((text) => text.startsWith('COLD-START '));
      if (result.code !== 0 || line === undefined) throw new Error(`cold-start child (${variant}) exited with ${String(result.code)}: ${result.stderr}`);
      const figures = JSON.parse(line.slice('COLD-START '.length)) as ChildFigures;
      samples.get(variant)?.push(figures);
      process.stderr.write(`run ${run + 1}/${runs} ${variant}: ${JSON.stringify(figures)}\n`);
    }
  }
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  process.stdout.write(`${JSON.stringify({
    bench: 'api-cold-start',
    runs,
    node: process.version,
    bundleBytes,
    sourceMapBytes,
    bundle: values.bundle === undefined ? 'synthesized from this checkout' : folder,
    model: values.model === undefined ? 'tiny fixture model' : modelId,
    variants: variants.map(({ variant, nodeOptions }) => {
      const figures = samples.get(variant) ?? [];
      const totals = figures.map((f) => f.importMs + f.modelLoadMs + f.firstPredictionMs);
      return {
        variant,
        nodeOptions,
        importMs: round(median(figures.map((f) => f.importMs))),
        modelLoadMs: round(median(figures.map((f) => f.modelLoadMs))),
        firstPredictionMs: round(median(figures.map((f) => f.firstPredictionMs))),
        totalMs: round(median(totals)),
        peakRssMB: median(figures.map((f) => f.peakRssMB)),
      };
    }),
  })}\n`);
} finally {
  await rm(outdir, { recursive: true, force: true });
}

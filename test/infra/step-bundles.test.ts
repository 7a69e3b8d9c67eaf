import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { TandemFunction } from '../../infra/constructs/tandem-function.ts';
import type { WorkflowStepName } from '../../infra/constructs/workflow-functions.ts';
import { folderBytes, provideLambdaRuntimeSdk } from '../helpers/lambda-bundle.ts';
import { runNodeScript } from '../helpers/run-process.ts';

/**
 * The steps that only keep the run's bookkeeping (no training, no scoring, no raw data): their bundles must not
 * carry TensorFlow.js, so a cold start loads little. Measured after the split: plan's code 0.50 MB (zod, for the
 * search space, is most of it), the others 0.03 MB; with tfjs it was 2.7 MB of code and 19.6 MB with the source map.
 * select is not one of them: with `search.ensembleTopK` it averages the best trials' models (tfjs), as promote runs them.
 */
const lightSteps = ['plan', 'promote-rung', 'notify'] as const satisfies readonly WorkflowStepName[];
/** The bundle's code (`index.mjs`, what a cold start parses). */
const codeLimitBytes = 1_000_000;
/** Everything the function ships (code and source map). */
const packageLimitBytes = 3_000_000;

describe('workflow step Lambda bundles (esbuild, as cdk synth builds them)', () => {
  let outdir = '';
  const bundles = new Map<(typeof lightSteps)[number], string>();

  before(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'tandem-step-bundles-'));
    // The construct the pipeline stack deploys each step with; WorkflowFunctions gives these steps neither the wasm
    // binaries nor DuckDB, so each asset folder is exactly what the step's Lambda receives. (ingest and promote,
    // which do carry those, are left out: bundling them takes most of a minute.)
    const app = new App({ outdir });
    const stack = new Stack(app, 'StepBundles');
    const functions = lightSteps.map((name) => [name, new TandemFunction(stack, name, { entry: `functions/${name}/index.ts`, environment: {} })] as const);
    const resources = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    for (const [name, step] of functions) {
      const logicalId = stack.getLogicalId(step.function.node.defaultChild as lambda.CfnFunction);
      const code = (resources[logicalId] as { Properties: { Code: { S3Key: string } } }).Properties.Code;
      bundles.set(name, path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`));
    }
    // The Lambda runtime provides the AWS SDK v3 the bundles leave external; give the test's processes the same.
    await provideLambdaRuntimeSdk(outdir);
  });
  after(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('keeps plan, promote-rung and notify small', async () => {
    const sizes: Record<string, { code: number; shipped: number }> = {};
    for (const [name, folder] of bundles) {
      sizes[name] = { code: (await stat(path.join(folder, 'index.mjs'))).size, shipped: await folderBytes(folder) };
    }
    console.log(`step bundles in bytes: ${JSON.stringify(sizes)}`);
    for (const [name, { code, shipped }] of Object.entries(sizes)) {
      assert.ok(code < codeLimitBytes, `${name} code is ${(code / 1e6).toFixed(2)} MB`);
      assert.ok(shipped < packageLimitBytes, `${name} ships ${(shipped / 1e6).toFixed(2)} MB`);
    }
  });

  it('leaves TensorFlow.js out of plan, promote-rung and notify', async () => {
    for (const name of lightSteps) {
      const folder = bundles.get(name) as string;
      // The source map names every module esbuild put in; the code would name any tfjs package left external.
      const { sources } = JSON.parse(await readFile(path.join(folder, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      assert.deepEqual(sources.filter((source) => source.includes('@tensorflow')), [], `${name} bundles tfjs`);
      assert.doesNotMatch(await readFile(path.join(folder, 'index.mjs'), 'utf8'), /@tensorflow\//, `${name} imports tfjs`);
      assert.deepEqual((await readdir(folder)).sort(), ['index.mjs', 'index.mjs.map'], `${name} ships only its bundle`);
    }
  });

  it('loads each light bundle on its own (nothing but the AWS SDK beside it) and exports its handler', async () => {
    const store = await mkdtemp(path.join(tmpdir(), 'tandem-step-store-'));
    const urls = lightSteps.map((name) => pathToFileURL(path.join(bundles.get(name) as string, 'index.mjs')).href);
    // One process imports them all (each bundle is its own module graph), so the check costs one Node start.
    const script = `const kinds = [];
      for (const url of ${JSON.stringify(urls)}) kinds.push(typeof (await import(url)).handler);
      process.stdout.write(JSON.stringify(kinds));`;
    const result = await runNodeScript(script, { ...process.env, TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_BACKEND: 'wasm' }).finally(() => rm(store, { recursive: true, force: true }));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), lightSteps.map(() => 'function'));
  });
});

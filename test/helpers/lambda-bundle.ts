import { mkdir, readdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { ApiStack } from '../../infra/api-stack.ts';

/** Total size in bytes of every file below `folder` (recursively): what a bundle folder ships. */
export async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? await folderBytes(full) : (await stat(full)).size;
  }
  return total;
}

/**
 * Links this repository's `@aws-sdk` packages into `<outdir>/node_modules`, so bundles synthesized below `outdir`
 * resolve the AWS SDK v3 they leave external, as the Lambda runtime provides it. `outdir/node_modules` must not exist.
 */
export async function provideLambdaRuntimeSdk(outdir: string): Promise<void> {
  await mkdir(path.join(outdir, 'node_modules'));
  await symlink(fileURLToPath(new URL('../../node_modules/@aws-sdk', import.meta.url)), path.join(outdir, 'node_modules', '@aws-sdk'));
}

/** The API Lambda's bundle as `cdk synth` builds it: its asset folder and the environment the function is deployed with. */
export interface SynthesizedApiBundle {
  /** The asset folder holding `index.mjs` (and, as deployed, the wasm binaries and the source map). */
  readonly folder: string;
  /** The function's `Environment.Variables` in the synthesized template (with the test stack's placeholder values). */
  readonly environment: Record<string, unknown>;
}

/**
 * Synthesizes the API stack into `outdir` (esbuild runs exactly as `cdk synth` runs it, with the construct's bundling
 * options and `context`) and returns its bundle folder and the function's environment. Shared by the bundle test and
 * `bench/api-cold-start.ts`, so both load what is deployed.
 */
export async function synthApiBundle(outdir: string, context: Record<string, unknown> = {}): Promise<SynthesizedApiBundle> {
  const app = new App({ outdir, context });
  const stack = new ApiStack(app, 'BundleApi', { storeBucket: { arnExportName: 'test-arn', nameExportName: 'test-name' }, project: 'fixture' });
  app.synth();
  const logicalId = stack.getLogicalId(stack.api.function.node.defaultChild as lambda.CfnFunction);
  const resource = Template.fromStack(stack).findResources('AWS::Lambda::Function')[logicalId] as {
    Properties: { Code: { S3Key: string }; Environment?: { Variables?: Record<string, unknown> } };
  };
  const folder = path.join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  return { folder, environment: resource.Properties.Environment?.Variables ?? {} };
}

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { duckDbBundlingCommands, TandemFunction } from '../../infra/constructs/tandem-function.ts';
import { runNodeScript } from '../helpers/run-process.ts';

const lock = JSON.parse(await readFile(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { version: string }> };
const lockedVersion = (name: string): string => (lock.packages[`node_modules/${name}`] as { version: string }).version;

describe('DuckDB beside a Lambda bundle (withDuckDb)', () => {
  let outdir = '';
  let folder = '';
  let template: Template;

  before(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'tandem-duckdb-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'DuckDbBundle');
    // A light handler keeps esbuild fast (the ingest step's own bundle takes most of a minute); the afterBundling hook
    // that ships DuckDB is the same whatever the entry.
    const step = new TandemFunction(stack, 'Step', { entry: 'functions/notify/index.ts', environment: {}, withDuckDb: true });
    template = Template.fromStack(stack);
    const logicalId = stack.getLogicalId(step.function.node.defaultChild as lambda.CfnFunction);
    const code = (template.findResources('AWS::Lambda::Function')[logicalId] as { Properties: { Code: { S3Key: string } } }).Properties.Code;
    folder = path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  });
  after(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('ships the linux-x64 binding of the locked version for an x86_64 function, and no other platform\'s', async () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
    const duckdb = (await readdir(path.join(folder, 'node_modules', '@duckdb'))).sort();
    assert.deepEqual(duckdb, ['node-api', 'node-bindings', 'node-bindings-linux-x64']);
    const binding = JSON.parse(await readFile(path.join(folder, 'node_modules/@duckdb/node-bindings-linux-x64/package.json'), 'utf8')) as { version: string; os: string[]; cpu: string[] };
    assert.equal(binding.version, lockedVersion('@duckdb/node-bindings-linux-x64'));
    assert.deepEqual([binding.os, binding.cpu], [['linux'], ['x64']]);
    assert.deepEqual((await readdir(path.join(folder, 'node_modules'))).sort(), ['@duckdb', 'detect-libc']);
  });

  it('runs a query with the shipped DuckDB, resolved from the bundle folder alone', async () => {
    // The test machine is linux-x64, as the function is: the copy it ships must load and answer.
    const api = pathToFileURL(path.join(folder, 'node_modules/@duckdb/node-api/lib/index.js')).href;
    const script = `const { DuckDBInstance } = await import(${JSON.stringify(api)});
      const connection = await (await DuckDBInstance.create(':memory:')).connect();
      const reader = await connection.runAndReadAll('SELECT 40 + 2 AS answer');
      process.stdout.write(String(reader.getRowObjects()[0].answer));`;
    const result = await runNodeScript(script, { PATH: process.env.PATH ?? '' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '42');
  });

  it('asks npm for the linux-arm64 binding (glibc, locked version) for an arm64 function', () => {
    const commands = duckDbBundlingCommands('/in', '/out', lambda.Architecture.ARM_64).join('\n');
    const version = lockedVersion('@duckdb/node-bindings-linux-arm64');
    assert.match(commands, new RegExp(`--os=linux --cpu=arm64 --libc=glibc "@duckdb/node-bindings-linux-arm64@${version.replaceAll('.', '\\.')}"`));
    assert.match(commands, /cp -R "\/in\/node_modules\/@duckdb\/node-bindings-linux-arm64" "\/out\/node_modules\/@duckdb\/"/);
    assert.doesNotMatch(commands, /linux-x64|darwin|win32|cp -R "\/in\/node_modules\/@duckdb" /);
    assert.throws(() => new TandemFunction(new Stack(), 'Step', { entry: 'functions/notify/index.ts', environment: {}, withDuckDb: true, architecture: lambda.Architecture.custom('riscv64') }), /riscv64/);
  });
});

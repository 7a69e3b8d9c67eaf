import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, type Size, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { readTandemContext } from '../tandem-context.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The alias target of `@tensorflow/tfjs` in every bundle. */
const lambdaTfjsFile = fileURLToPath(new URL('./lambda-tfjs.ts', import.meta.url));

/** The runtime of every Tandem Lambda (nodejs20.x is deprecated). */
export const tandemLambdaRuntime = lambda.Runtime.NODEJS_22_X;

/** Props of {@link TandemFunction}. */
export interface TandemFunctionProps {
  /** The handler file relative to the repository root, e.g. `functions/api/index.ts` (exports `handler`). */
  readonly entry: string;
  /** Environment of the function (`TANDEM_STORE` and friends). */
  readonly environment: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  /**
   * The function's /tmp (512 MiB to 10 GiB).
   * @default Size.mebibytes(512)
   */
  readonly ephemeralStorageSize?: Size;
  /**
   * Ship the TensorFlow.js wasm binaries next to the bundle (the API and anything else that scores).
   * @default false
   */
  readonly withWasmBackend?: boolean;
  /**
   * Ship DuckDB (`@duckdb/node-api` and its native binding) beside the bundle, for steps that read raw data with it.
   * The binding shipped is the Linux glibc build for the function's {@link architecture} at the version the lockfile
   * pins, whatever machine deploys (see {@link duckDbBundlingCommands}).
   * @default false
   */
  readonly withDuckDb?: boolean;
  /**
   * The function's instruction set; the DuckDB binding shipped (withDuckDb) follows it.
   * @default X86_64 with withDuckDb (its linux-x64 binding is in a Linux development checkout, so a deploy from
   * one needs no download), else ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Start the function with `NODE_OPTIONS=--enable-source-maps` (stack traces name the TypeScript sources). Off, the
   * source map still ships beside the bundle, but Node does not read it: on the API that saves 0.3–1 s per cold start.
   * @default the `enableSourceMaps` context key (`-c enableSourceMaps=true`), else false
   */
  readonly enableSourceMaps?: boolean;
  /**
   * Bundle the AWS SDK v3 clients the function imports into its code instead of loading the runtime's copy. Loading
   * the runtime's `@aws-sdk/client-s3` (hundreds of CommonJS files, each resolved and scanned for its exports) took
   * about 0.3 s of the API's cold start on the development machine; bundled (tree-shaken with `mainFields`) it costs
   * less, for about 0.5 MB more code.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * The AWS Parameters and Secrets Lambda Extension as a layer, for a function that reads secrets over localhost
   * instead of loading an AWS SDK client (the API's keys).
   * @default none
   */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
  /**
   * Concurrent executions reserved for (and so capped at) this number.
   * @default none: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One Tandem Lambda: a `functions/<name>/index.ts` handler bundled by esbuild as ESM (the handlers use top-level
 * await to read their configuration once), Node 22 on arm64, logs kept for a month, X-Ray active tracing.
 */
export class TandemFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: TandemFunctionProps) {
    super(scope, id);
    if (!/^functions\/[\w-]+\/index\.ts$/.test(props.entry)) {
      throw new Error(`TandemFunction: entry must be functions/<name>/index.ts, got "${props.entry}"`);
    }
    const enableSourceMaps = props.enableSourceMaps ?? readTandemContext(this.node).enableSourceMaps;
    const architecture = props.architecture ?? (props.withDuckDb === true ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64);
    // Fail at synth, quoting the value, rather than in the middle of bundling.
    if (props.withDuckDb === true) npmCpu(architecture);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${repositoryRoot}${props.entry}`,
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      runtime: tandemLambdaRuntime,
      architecture,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.ephemeralStorageSize === undefined ? {} : { ephemeralStorageSize: props.ephemeralStorageSize }),
      environment: { ...(enableSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}), ...props.environment },
      logGroup,
      // X-Ray: Lambda traces every invocation; Powertools Tracer (functions/function-context.ts) adds subsegments.
      tracing: lambda.Tracing.ACTIVE,
      ...(props.paramsAndSecrets === undefined ? {} : { paramsAndSecrets: props.paramsAndSecrets }),
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // ES module builds first: esbuild can then drop what is never imported (most of the AWS SDK client's commands)
        // and takes one copy of tfjs-core (the CommonJS main and the ESM files the tfjs union imports were both bundled).
        mainFields: ['module', 'main'],
        target: 'node22',
        // Emitted (without the sources' text) for reading stack traces, and read at start only with enableSourceMaps.
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        // Bundled CommonJS (tfjs, its wasm backend) still asks for require/__dirname; give ESM both.
        banner: [
          "import { createRequire as __tandemCreateRequire } from 'node:module';",
          "import { fileURLToPath as __tandemFileURLToPath } from 'node:url';",
          "const require = __tandemCreateRequire(import.meta.url);",
          "const __filename = __tandemFileURLToPath(import.meta.url);",
          "const __dirname = __tandemFileURLToPath(new URL('.', import.meta.url));",
        ].join(' '),
        // tfjs without WebGL, tfjs-converter and tfjs-data (see lambda-tfjs.ts): less code to parse and run at cold start.
        esbuildArgs: { '--alias:@tensorflow/tfjs': lambdaTfjsFile },
        // libtensorflow (tfjs-node) does not fit a Lambda package; DuckDB, a native addon, is copied in (withDuckDb).
        externalModules: [...(props.bundleAwsSdk === true ? [] : ['@aws-sdk/*']), '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@duckdb/node-api'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...(props.withWasmBackend === true ? [`cp "${inputDir}/node_modules/@tensorflow/tfjs-backend-wasm/dist/"*.wasm "${outputDir}/"`] : []),
            // A native addon cannot be bundled: ship DuckDB's packages, built for the function's CPU, next to index.mjs.
            ...(props.withDuckDb === true ? duckDbBundlingCommands(inputDir, outputDir, architecture) : []),
          ],
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed policy that lets a function write its own logs (CreateLogStream/PutLogEvents) and nothing else.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions, so X-Ray requires Resource "*".',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node 22 is an AWS-supported LTS runtime and matches the trainer image, so the code that scores and the code that trains run on one Node major.',
    });
  }
}

/** The lockfile's version of the package at `node_modules/<name>` (what `npm ci` would install). */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(`${repositoryRoot}package-lock.json`, 'utf8')) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`TandemFunction: package-lock.json pins no version of ${name}`);
  return version;
}

/** The `npm install` CPU name of a Lambda architecture (Lambda runs Linux with glibc). */
function npmCpu(architecture: lambda.Architecture): 'x64' | 'arm64' {
  if (architecture.name === lambda.Architecture.X86_64.name) return 'x64';
  if (architecture.name === lambda.Architecture.ARM_64.name) return 'arm64';
  throw new Error(`TandemFunction: no DuckDB binding for architecture ${JSON.stringify(architecture.name)}`);
}

/**
 * Shell commands (run by esbuild bundling's `afterBundling` hook, in bash) that put DuckDB beside a bundle in
 * `outputDir/node_modules`: the JavaScript packages `@duckdb/node-api`, `@duckdb/node-bindings` and `detect-libc`
 * copied from `inputDir` (platform-neutral), and exactly one native binding, `@duckdb/node-bindings-linux-<cpu>` for
 * `architecture`, at the lockfile's version. The binding is copied from `inputDir/node_modules` when npm installed
 * that very version there (a Linux checkout of the same CPU, offline); otherwise (a Mac, an ARM function deployed from
 * an x86_64 machine) npm downloads it for Linux on that CPU (`--os=linux --cpu=… --libc=glibc`) into a scratch folder.
 * The deploying machine's own binding (darwin, win32, the other CPU) never ships.
 */
export function duckDbBundlingCommands(inputDir: string, outputDir: string, architecture: lambda.Architecture): string[] {
  const cpu = npmCpu(architecture);
  const binding = `@duckdb/node-bindings-linux-${cpu}`;
  const version = lockedVersion(binding);
  const installed = `${inputDir}/node_modules/${binding}`;
  const isLockedVersion = `node -e "process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)" "${installed}/package.json" "${version}"`;
  const download = [
    'scratch="$(mktemp -d)"',
    `npm install --prefix "$scratch" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --os=linux --cpu=${cpu} --libc=glibc "${binding}@${version}"`,
    `cp -R "$scratch/node_modules/${binding}" "${outputDir}/node_modules/@duckdb/"`,
    'rm -rf "$scratch"',
  ].join(' && ');
  return [
    `mkdir -p "${outputDir}/node_modules/@duckdb"`,
    `cp -R "${inputDir}/node_modules/@duckdb/node-api" "${inputDir}/node_modules/@duckdb/node-bindings" "${outputDir}/node_modules/@duckdb/"`,
    // node-bindings asks detect-libc whether libc is musl (it falls back to glibc without it): ship it too.
    `cp -R "${inputDir}/node_modules/detect-libc" "${outputDir}/node_modules/"`,
    `if [ -f "${installed}/package.json" ] && ${isLockedVersion}; then cp -R "${installed}" "${outputDir}/node_modules/@duckdb/"; else ${download}; fi`,
  ];
}

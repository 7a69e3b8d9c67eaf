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
   * The binding shipped is the one `npm ci` installed here (linux-x64), so such a function runs on x86_64.
   * @default false
   */
  readonly withDuckDb?: boolean;
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
}

/**
 * One Tandem Lambda: a `functions/<name>/index.ts` handler bundled by esbuild as ESM (the handlers use top-level
 * await to read their configuration once), Node 22 on arm64, logs kept for a month.
 */
export class TandemFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: TandemFunctionProps) {
    super(scope, id);
    if (!/^functions\/[\w-]+\/index\.ts$/.test(props.entry)) {
      throw new Error(`TandemFunction: entry must be functions/<name>/index.ts, got "${props.entry}"`);
    }
    const enableSourceMaps = props.enableSourceMaps ?? readTandemContext(this.node).enableSourceMaps;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${repositoryRoot}${props.entry}`,
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      runtime: tandemLambdaRuntime,
      architecture: props.withDuckDb === true ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      ...(props.ephemeralStorageSize === undefined ? {} : { ephemeralStorageSize: props.ephemeralStorageSize }),
      environment: { ...(enableSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}), ...props.environment },
      logGroup,
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
            // A native addon cannot be bundled: copy the installed package tree next to index.mjs instead.
            ...(props.withDuckDb === true ? [`mkdir -p "${outputDir}/node_modules"`, `cp -R "${inputDir}/node_modules/@duckdb" "${outputDir}/node_modules/"`] : []),
          ],
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The AWS-managed policy that lets a function write its own logs (CreateLogStream/PutLogEvents) and nothing else.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node 22 is an AWS-supported LTS runtime and matches the trainer image, so the code that scores and the code that trains run on one Node major.',
    });
  }
}

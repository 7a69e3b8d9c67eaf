import { fileURLToPath } from 'node:url';
import { Duration, type Size, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

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
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      logGroup,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        sourceMap: true,
        minify: true,
        // Bundled CommonJS (tfjs, its wasm backend) still asks for require/__dirname; give ESM both.
        banner: [
          "import { createRequire as __tandemCreateRequire } from 'node:module';",
          "import { fileURLToPath as __tandemFileURLToPath } from 'node:url';",
          "const require = __tandemCreateRequire(import.meta.url);",
          "const __filename = __tandemFileURLToPath(import.meta.url);",
          "const __dirname = __tandemFileURLToPath(new URL('.', import.meta.url));",
        ].join(' '),
        // libtensorflow (tfjs-node) does not fit a Lambda package; DuckDB, a native addon, is copied in (withDuckDb).
        externalModules: ['@aws-sdk/*', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@duckdb/node-api'],
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

import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import { BadInputError } from '../errors/bad-input-error.ts';

/** Settings Tandem takes from the environment; read once at the edge (CLI, Lambda, container) and passed down. */
export interface TandemEnvironment {
  /** `TANDEM_BACKEND`: force a TensorFlow.js backend (tensorflow|wasm|cpu). */
  readonly backend: string | undefined;
  /** `TANDEM_API_KEYS`: comma-separated keys; when set, the API requires `x-api-key` (unset: no key needed). */
  readonly apiKeys: readonly string[];
  /** `PORT`: the API port (default 8787). */
  readonly port: number;
  /** `TANDEM_S3_ENDPOINT` (or `AWS_ENDPOINT_URL_S3`): an S3-compatible endpoint for `s3://` stores. */
  readonly s3ClientConfig: S3ClientConfig;
  /**
   * `TANDEM_SFN_ENDPOINT` (or `AWS_ENDPOINT_URL_SFN`): a Step Functions endpoint for `tandem run --remote` (a local
   * emulator). No region here: the remote runner takes the state machine ARN's region.
   */
  readonly sfnClientConfig: SFNClientConfig;
  /** `TANDEM_TRIAL`: a trial spec (JSON) for `tandem trial`, as the trainer container receives it. */
  readonly trialSpec: string | undefined;
  /** `TANDEM_WATCH_PARENT=1`: a search worker exits when its search process is gone. */
  readonly watchParent: boolean;
  /**
   * `TANDEM_PROJECT`: the project (a config's `name`) whose champion the Lambda API serves; the CLI takes the project
   * from `--project` or the config instead.
   */
  readonly project: string | undefined;
}

/**
 * Reads Tandem's environment variables; a malformed `PORT`, or a `TANDEM_API_KEYS` that is set but holds no key, is
 * named in the error.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): TandemEnvironment {
  const port = env.PORT === undefined || env.PORT === '' ? 8787 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer 0..65535, got "${env.PORT}"`);
  const endpoint = env.TANDEM_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3;
  const sfnEndpoint = env.TANDEM_SFN_ENDPOINT ?? env.AWS_ENDPOINT_URL_SFN;
  return {
    backend: env.TANDEM_BACKEND === '' ? undefined : env.TANDEM_BACKEND,
    apiKeys: readApiKeys(env.TANDEM_API_KEYS),
    port,
    s3ClientConfig: endpoint === undefined || endpoint === '' ? {} : { endpoint, forcePathStyle: true },
    sfnClientConfig: sfnEndpoint === undefined || sfnEndpoint === '' ? {} : { endpoint: sfnEndpoint },
    trialSpec: env.TANDEM_TRIAL,
    watchParent: env.TANDEM_WATCH_PARENT === '1',
    project: env.TANDEM_PROJECT === undefined || env.TANDEM_PROJECT.trim() === '' ? undefined : env.TANDEM_PROJECT.trim(),
  };
}

/**
 * `TANDEM_API_KEYS` split on commas, each key trimmed. Set but without a key (`""`, `","`, `" , "`) is refused rather
 * than read as "no authentication": whoever set it meant to require keys.
 */
function readApiKeys(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const keys = raw
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (keys.length === 0) {
    throw new BadInputError(
      `TANDEM_API_KEYS is set but holds no key (${JSON.stringify(raw)}): set it to key1,key2 to require x-api-key, or unset it to serve without authentication`,
      { value: raw, details: [{ path: 'TANDEM_API_KEYS', issue: 'no key after splitting on commas and trimming' }] },
    );
  }
  return keys;
}

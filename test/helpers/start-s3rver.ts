import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

/** A running s3rver: the client config that reaches it, and how to stop it. */
export interface RunningS3rver {
  readonly port: number;
  /** Endpoint, region and s3rver's fixed credentials, for `createS3Client` / `S3Store`. */
  readonly clientConfig: S3ClientConfig;
  stop(): Promise<void>;
}

/**
 * Starts s3rver over `directory` on a free loopback port in a child process, with `buckets` created. s3rver mints
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers under
 * --openssl-legacy-provider: in-process, every truncated page is a 500. The child exits when its stdin closes, so a
 * crashed test run leaves no server behind.
 */
export async function startS3rver(directory: string, buckets: readonly string[]): Promise<RunningS3rver> {
  const script = `
    const S3rver = require(process.argv[1]);
    process.stdin.resume().on('end', () => process.exit(0));
    const buckets = JSON.parse(process.argv[3]).map((name) => ({ name }));
    new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2], configureBuckets: buckets })
      .run().then((address) => console.log(JSON.stringify(address)), (error) => { console.error(error); process.exit(1); });`;
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script, s3rverPath, directory, JSON.stringify(buckets)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit')])) as [unknown];
  if (typeof first !== 'string') throw new Error(`s3rver exited with code ${String(first)} before listening`);
  const { port } = JSON.parse(first) as { port: number };
  return {
    port,
    clientConfig: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    stop: async () => {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}

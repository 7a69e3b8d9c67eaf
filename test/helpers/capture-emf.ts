/** One CloudWatch Embedded Metric Format line as Powertools Metrics prints it. */
export interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: readonly { readonly Namespace: string; readonly Dimensions: readonly string[][]; readonly Metrics: readonly { Name: string; Unit: string }[] }[] };
  readonly [key: string]: unknown;
}

/**
 * Runs `work` while collecting the EMF lines written to stdout (Powertools Metrics flushes them there); other output
 * passes through. Returns the work's result and the lines.
 */
export async function captureEmf<T>(work: () => Promise<T>): Promise<{ result: T; lines: EmfLine[] }> {
  const lines: EmfLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const emf = text.split('\n').filter((line) => line.startsWith('{') && line.includes('"_aws"'));
    if (emf.length === 0) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    lines.push(...emf.map((line) => JSON.parse(line) as EmfLine));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await work(), lines };
  } finally {
    process.stdout.write = write;
  }
}

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BadInputError } from '../errors/bad-input-error.ts';
import { TandemError } from '../errors/tandem-error.ts';
import { releaseStreamBody, type PutStreamBody } from './blob-store.ts';

/** S3's smallest part: every part of a multipart upload but the last must be at least this big. */
export const minS3PartBytes = 5 * 1024 * 1024;

/** S3's largest part. */
const maxS3PartBytes = 5 * 1024 * 1024 * 1024;

/** S3's most parts in one upload. */
const maxS3Parts = 10_000;

/** Parts after which the part size doubles, so that 10,000 parts reach S3's 5 TiB object limit. */
const partsPerSize = 1000;

/** Options of {@link uploadS3Stream}. */
export interface UploadS3StreamOptions {
  /**
   * Bytes per part (at least {@link minS3PartBytes}); doubles after every 1,000 parts. A body shorter than one part
   * goes up as one PutObject. @default 8 MiB
   */
  readonly partBytes?: number;
  /** Parts uploading at once (memory: about `(concurrency + 1) × partBytes`). @default 4 */
  readonly concurrency?: number;
  /** The object's tags (`x-amz-tagging`). @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What {@link uploadS3Stream} did. */
export interface S3StreamUpload {
  readonly bytes: number;
  /** Parts of the multipart upload; 0 when the body fit in one PutObject. */
  readonly parts: number;
}

/**
 * Checks a multipart part size: a whole number of bytes S3 takes for every part but the last (5 MiB to 5 GiB).
 * @throws BadInputError quoting the value.
 */
export function assertS3PartBytes(partBytes: number): void {
  if (!Number.isInteger(partBytes) || partBytes < minS3PartBytes || partBytes > maxS3PartBytes) {
    throw new BadInputError(`partBytes must be a whole number from ${minS3PartBytes} (5 MiB) to ${maxS3PartBytes} (5 GiB), got ${partBytes}`, { value: partBytes });
  }
}

/** Tags as the `x-amz-tagging` header (URL-encoded `key=value` pairs), or nothing when there are none. */
export function s3Tagging(tags: Readonly<Record<string, string>> | undefined): { Tagging?: string } {
  if (tags === undefined || Object.keys(tags).length === 0) return {};
  return { Tagging: Object.entries(tags).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&') };
}

/**
 * Writes an object to S3 from a stream in bounded memory: the body is cut into parts of `partBytes` as it arrives and
 * each part goes up with UploadPart (`concurrency` at once) inside one multipart upload (CreateMultipartUpload …
 * CompleteMultipartUpload), so the object appears whole at CompleteMultipartUpload or not at all. A body shorter than
 * one part is one PutObject. On any failure (the body throws, a part fails) the upload is aborted
 * (AbortMultipartUpload, best effort: the bucket's lifecycle rule removes what an abort could not) and the error is
 * rethrown, so no part of the object is ever visible and the key keeps its previous object.
 *
 * @throws BadInputError for a `partBytes` or `concurrency` S3 cannot take; the SDK's error of a failed request; the
 *   body's own error.
 */
export async function uploadS3Stream(
  client: S3Client,
  { bucket, key }: { readonly bucket: string; readonly key: string },
  body: PutStreamBody,
  { partBytes = 8 * 1024 * 1024, concurrency = 4, tags }: UploadS3StreamOptions = {},
): Promise<S3StreamUpload> {
  try {
    assertS3PartBytes(partBytes);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new BadInputError(`concurrency must be a positive integer, got ${concurrency}`, { value: concurrency });
  } catch (error) {
    await releaseStreamBody(body);
    throw error;
  }
  const tagging = s3Tagging(tags);
  let chunks: Buffer[] = [];
  let buffered = 0;
  let bytes = 0;
  let uploadId: string | undefined;
  let partsStarted = 0;
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let inFlightBytes = 0;
  let failure: { error: unknown } | undefined;
  const budget = concurrency * partBytes;
  const partSize = (index: number): number => Math.min(maxS3PartBytes, partBytes * 2 ** Math.floor(index / partsPerSize));

  const sendPart = async (part: Buffer): Promise<void> => {
    uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...tagging }))).UploadId;
    if (uploadId === undefined) throw new TandemError(`CreateMultipartUpload of s3://${bucket}/${key} returned no upload id`, { value: key });
    const partNumber = partsStarted + 1;
    if (partNumber > maxS3Parts) throw new TandemError(`s3://${bucket}/${key}: more than ${maxS3Parts} parts (S3's limit); raise partBytes`, { value: partNumber });
    // Memory stays near `budget`: wait for earlier parts while this one would pass it (one part always may go).
    while (inFlight.size > 0 && inFlightBytes + part.length > budget) await Promise.race(inFlight);
    if (failure !== undefined) throw failure.error;
    const id = uploadId;
    partsStarted = partNumber;
    inFlightBytes += part.length;
    const upload = client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: partNumber, Body: part, ContentLength: part.length }))
      .then((output) => void completed.push({ PartNumber: partNumber, ETag: output.ETag }), (error: unknown) => void (failure ??= { error }))
      .finally(() => {
        inFlightBytes -= part.length;
        inFlight.delete(upload);
      });
    inFlight.add(upload);
  };
  const takeBuffered = (): Buffer => {
    const part = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, buffered);
    chunks = [];
    buffered = 0;
    return part;
  };

  try {
    for await (const chunk of body) {
      const piece = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (piece.length === 0) continue;
      chunks.push(piece);
      buffered += piece.length;
      bytes += piece.length;
      if (buffered >= partSize(partsStarted)) await sendPart(takeBuffered());
      if (failure !== undefined) throw failure.error;
    }
    if (uploadId === undefined) {
      // Shorter than one part: one PutObject, atomic as ever, needing no multipart permission.
      const whole = takeBuffered();
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: whole, ContentLength: whole.length, ...tagging }));
      return { bytes, parts: 0 };
    }
    if (buffered > 0) await sendPart(takeBuffered());
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    const parts = [...completed].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return { bytes, parts: parts.length };
  } catch (error) {
    if (uploadId !== undefined) {
      // Parts still uploading would outlive an abort sent before them.
      await Promise.allSettled(inFlight);
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
    throw error;
  }
}

import { fileURLToPath } from 'node:url';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** The repository root: the trainer image's build context (it copies `src/`, `cli/`, `bin/` and the lockfile). */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The trainer's Dockerfile, relative to {@link repositoryRoot}. */
export const trainerDockerfile = 'containers/trainer/Dockerfile';

/**
 * The Dockerfile's runtime targets: `gpu` (CUDA 11.8 + cuDNN 8, tfjs-node-gpu) for GPU trials, `cpu` (node:22-slim,
 * the wasm and cpu backends, no CUDA) for ingestion on Fargate and CPU trials.
 */
export const trainerImageTargets = ['gpu', 'cpu'] as const;
export type TrainerImageTarget = (typeof trainerImageTargets)[number];

/**
 * What the trainer image never needs. Excluded from the asset so its hash (and so a rebuild) changes only
 * with the code and lockfile, and staging into `cdk.out` does not copy `node_modules`.
 */
export const trainerImageExcludes = [
  'node_modules', '.git', 'cdk.out', 'tmp', '.tandem', 'coverage', 'bench', 'docs', 'examples', 'test', '*.log',
];

/**
 * A target of the trainer image (`containers/trainer/Dockerfile`) as a Docker image asset: built and pushed by
 * `cdk deploy`, never by `cdk synth`. Both targets share the Dockerfile's production-dependency stage, so Docker builds
 * it once.
 * @param target `gpu` for trials on GPU instances, `cpu` for Fargate ingestion and CPU trials.
 */
export function trainerImage(target: TrainerImageTarget = 'gpu'): ecs.ContainerImage {
  if (!trainerImageTargets.includes(target)) throw new Error(`trainerImage: target must be one of ${trainerImageTargets.join(', ')}, got ${JSON.stringify(target)}`);
  return ecs.ContainerImage.fromAsset(repositoryRoot, {
    file: trainerDockerfile,
    target,
    exclude: trainerImageExcludes,
    // GPU instances (g5, g4dn) are x86_64, and so is the ingest job's Fargate platform; build for them even on an
    // arm64 workstation.
    platform: Platform.LINUX_AMD64,
  });
}

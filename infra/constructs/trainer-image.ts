import { fileURLToPath } from 'node:url';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** The repository root: the trainer image's build context (it copies `src/`, `cli/`, `bin/` and the lockfile). */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The trainer's Dockerfile, relative to {@link repositoryRoot}. */
export const trainerDockerfile = 'containers/trainer/Dockerfile';

/**
 * What the trainer image never needs. Excluded from the asset so its hash (and so a rebuild) changes only
 * with the code and lockfile, and staging into `cdk.out` does not copy `node_modules`.
 */
export const trainerImageExcludes = [
  'node_modules', '.git', 'cdk.out', 'tmp', '.tandem', 'coverage', 'bench', 'docs', 'examples', 'test', '*.log',
];

/**
 * The trainer container image (`containers/trainer/Dockerfile`, CUDA 11.2 + cuDNN 8 with tfjs-node-gpu) as a
 * Docker image asset: built and pushed by `cdk deploy`, never by `cdk synth`.
 */
export function trainerImage(): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(repositoryRoot, {
    file: trainerDockerfile,
    exclude: trainerImageExcludes,
    // GPU instances (g5, g4dn) are x86_64; build for them even on an arm64 workstation.
    platform: Platform.LINUX_AMD64,
  });
}

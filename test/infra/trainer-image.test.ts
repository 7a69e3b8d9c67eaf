import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { repositoryRoot, trainerDockerfile, trainerImage, trainerImageExcludes, trainerImageTargets } from '../../infra/constructs/trainer-image.ts';
import { checkDockerfile, checkDockerignore, parseDockerfile } from '../../scripts/image-check.ts';

const dockerfile = await readFile(`${repositoryRoot}${trainerDockerfile}`, 'utf8');
const rules = { targets: trainerImageTargets };

describe('trainer image (containers/trainer/Dockerfile)', () => {
  it('keeps every structural rule of `npm run image:check`', async () => {
    assert.deepEqual(checkDockerfile(dockerfile, rules), []);
    assert.deepEqual(checkDockerignore(await readFile(`${repositoryRoot}${trainerDockerfile}.dockerignore`, 'utf8'), trainerImageExcludes), []);
  });

  it('builds the gpu target on a maintained CUDA 11 base and the cpu target on node slim, neither from the EOL base', () => {
    const stages = parseDockerfile(dockerfile);
    const base = (name: string): string => {
      let stage = stages.find((candidate) => candidate.name === name);
      while (stage !== undefined && stages.some((other) => other.name === stage?.image)) stage = stages.find((other) => other.name === stage?.image);
      return stage?.image ?? '';
    };
    assert.match(base('gpu'), /^nvidia\/cuda:11\.8\.\d+-cudnn8-runtime-ubuntu22\.04$/);
    assert.match(base('cpu'), /^node:22\.\d+\.\d+-\w+-slim$/);
    assert.ok(!stages.some((stage) => stage.image.includes('11.2.2') || stage.image.includes('ubuntu20.04')));
    // The default target (`docker build` without --target, and a bare `cdk deploy` image) is the GPU trainer.
    assert.equal(stages.at(-1)?.name, 'gpu');
  });

  it('finds what the rules forbid when a Dockerfile breaks them', () => {
    const findings = (text: string): string => checkDockerfile(text, rules).join('\n');
    assert.match(findings(dockerfile.replace('npm ci --omit=dev', 'npm ci')), /installs dev dependencies/);
    assert.match(findings(dockerfile.replace(/npm pkg delete dependencies\.aws-cdk-lib/, 'npm pkg delete')), /never removes aws-cdk-lib/);
    assert.match(findings(dockerfile.replace('USER node', 'USER root')), /target runs as root/);
    assert.match(findings(dockerfile.replace('node:22.12.0-bookworm-slim', 'node:lts-slim')), /not pinned/);
    assert.match(findings(dockerfile.replace('COPY src ./src', 'COPY src ./src\nCOPY workflows ./workflows')), /copies workflows/);
    assert.match(findings(dockerfile.replace('AS cpu', 'AS slim')), /no stage named "cpu"/);
    assert.match(findings('FROM node:22.12.0-bookworm-slim\nRUN apt-get install -y build-essential\nUSER node\n'), /one stage only/);
    assert.match(checkDockerignore('node_modules\n', trainerImageExcludes).join('\n'), /does not list "\.git"/);
  });

  it('builds each asset from its own target: gpu for trials, cpu for the ingest job on Fargate', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'TrainerImage');
    for (const target of trainerImageTargets) {
      new batch.EcsJobDefinition(stack, `${target}Job`, { container: new batch.EcsFargateContainerDefinition(stack, target, { image: trainerImage(target), cpu: 1, memory: Size.gibibytes(2) }) });
    }
    const manifest = app.synth().artifacts.find((artifact) => artifact instanceof cxapi.AssetManifestArtifact) as cxapi.AssetManifestArtifact;
    const images = Object.values(manifest.contents.dockerImages ?? {}).map(({ source }) => [source.dockerBuildTarget, source.dockerFile, source.platform]);
    assert.deepEqual(images.sort(), [['cpu', trainerDockerfile, 'linux/amd64'], ['gpu', trainerDockerfile, 'linux/amd64']]);
    assert.throws(() => trainerImage('tpu' as 'gpu'), /"tpu"/);
  });
});

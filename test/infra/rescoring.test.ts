import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { rescoreStoreAccess } from '../../infra/constructs/rescoring.ts';
import { scoringJobCommand, scoringJobStorePrefixes } from '../../infra/constructs/scoring-batch-job.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';
import { SCORE_PART_ENV_VAR } from '../../src/serve/rescore-job.ts';
import { rescoringStateMachineArnOutputKey } from '../../workflows/pipeline-stack-outputs.ts';
import { workflowStateNames as names, rescoreMapLabel } from '../../workflows/tandem-workflow.ts';

interface Statement { Action: string | string[]; Resource: unknown; Condition?: unknown }

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] } });
  return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

/** A policy resource as readable text: the store bucket's import as `<store>`, the raw bucket's as `<raw>`. */
function resourceText(stack: Stack, resource: unknown): string {
  const text = JSON.stringify(stack.resolve(resource));
  return text.replace(/\{"Fn::ImportValue":"Tandem-data-StoreBucketArn"\}/g, '"<store>"').replace(/\{"Fn::ImportValue":"Tandem-data-RawBucketArn"\}/g, '"<raw>"')
    .replace(/\{"Fn::Join":\["",\[("[^"]*"(?:,"[^"]*")*)\]\]\}/g, (_, parts: string) => JSON.stringify((JSON.parse(`[${parts}]`) as string[]).join('')));
}

/** The resources (as text) each action of `statements` is granted on. */
function grants(stack: Stack, statements: readonly Statement[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const statement of statements) {
    for (const action of [statement.Action].flat()) for (const resource of [statement.Resource].flat()) (out[action] ??= []).push(resourceText(stack, resource));
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** The state machine definition of `machineId`, every intrinsic a readable placeholder. */
function definitionOf(template: Template, pick: (id: string) => boolean): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const [, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => pick(id)) as [string, { Properties: { DefinitionString: unknown } }];
  const render = (value: unknown): string => typeof value === 'string' ? value
    : Array.isArray((value as { 'Fn::Join'?: unknown })['Fn::Join']) ? ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map(render).join('')
      : 'X';
  return JSON.parse(render(machine.Properties.DefinitionString)) as { StartAt: string; States: Record<string, Record<string, unknown>> };
}

describe('rescoring the customer base on AWS', () => {
  let dir = '';
  let stacks: ReturnType<typeof buildTandemStacks>;
  let pipeline: Template;
  let training: Template;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-rescoring-'));
    const config = JSON.parse(readFileSync('tandem.config.aws.example.json', 'utf8')) as Record<string, unknown>;
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...config, $schema: undefined, scoring: { input: 's3://RAW_BUCKET/exports/customers/', partitionBySegment: true, schedule: 'cron(0 5 * * ? *)' } }));
    stacks = buildTandemStacks(new App({ context: { 'aws:cdk:bundling-stacks': [], scheduleConfigFile: file } }));
    pipeline = Template.fromStack(stacks.pipeline);
    training = Template.fromStack(stacks.training);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rescores after a promotion: Choice on promoted → plan → any part? → Distributed Map of CPU Batch scoring jobs (.sync) → manifest → notify', () => {
    const { States } = definitionOf(pipeline, (id) => id.startsWith('Workflow'));
    assert.equal(States[names.promote]?.Next, names.chooseRescoring);
    assert.deepEqual(States[names.chooseRescoring]?.Choices, [{ Variable: '$.promoted', BooleanEquals: true, Next: names.planRescoring }]);
    assert.equal(States[names.chooseRescoring]?.Default, names.notify);
    const plan = States[names.planRescoring] as { Parameters: unknown; ResultPath: string; Next: string };
    assert.deepEqual(plan.Parameters, { action: 'plan', 'input.$': '$$.Execution.Input', 'modelId.$': '$.championId' });
    assert.equal(plan.ResultPath, '$.rescoring');
    assert.deepEqual(States[names.chooseRescoreParts]?.Choices, [{ Variable: '$.rescoring.parts[0]', IsPresent: true, Next: names.rescoreParts }]);
    assert.equal(States[names.chooseRescoreParts]?.Default, names.notify);
    const map = States[names.rescoreParts] as { ItemsPath: string; Label: string; ResultPath: unknown; Next: string; ItemProcessor: { ProcessorConfig: unknown; States: Record<string, { Resource: string; Parameters: { JobDefinition: string; ContainerOverrides: { Environment: unknown[] } } }> } };
    assert.equal(map.ItemsPath, '$.rescoring.parts');
    assert.equal(map.Label, rescoreMapLabel);
    assert.equal(map.ResultPath, null);
    assert.deepEqual(map.ItemProcessor.ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    const job = map.ItemProcessor.States[names.scorePart];
    assert.equal(job?.Resource, 'arn:X:states:::batch:submitJob.sync');
    assert.match(job.Parameters.JobDefinition, /:job-definition\/Tandem-training-score$/);
    assert.deepEqual(job.Parameters.ContainerOverrides.Environment, [{ Name: SCORE_PART_ENV_VAR, 'Value.$': 'States.JsonToString($)' }]);
    assert.equal(map.Next, names.writeScoresManifest);
    assert.equal(States[names.writeScoresManifest]?.Next, names.notify);
  });

  it('runs the same branch as its own state machine on scoring.schedule, without retraining (disabled without one)', () => {
    const rescoring = definitionOf(pipeline, (id) => id.startsWith('RescoringWorkflow'));
    assert.equal(rescoring.StartAt, names.planRescoring);
    assert.deepEqual((rescoring.States[names.planRescoring] as { Parameters: unknown }).Parameters, { action: 'plan', 'input.$': '$' }, 'no modelId: the champion at the time');
    assert.ok(!(names.plan in rescoring.States) && !(names.measureRawInput in rescoring.States), 'no ingest, no training');
    pipeline.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 5 * * ? *)', State: 'ENABLED', Target: Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^RescoringWorkflow') } }) });
    // `tandem run --rescore --remote STACK` finds the machine by this output.
    pipeline.hasOutput(rescoringStateMachineArnOutputKey, { Value: { Ref: Match.stringLikeRegexp('^RescoringWorkflow') } });
    // The example config has no scoring: the rescoring schedule is there, disabled.
    const plain = Template.fromStack(buildTandemStacks(new App({ context: { 'aws:cdk:bundling-stacks': [] } })).pipeline);
    const schedules = Object.values(plain.findResources('AWS::Scheduler::Schedule')) as { Properties: { State: string; Target: { Arn: { Ref: string } } } }[];
    assert.deepEqual(schedules.filter((s) => s.Properties.Target.Arn.Ref.startsWith('RescoringWorkflow')).map((s) => s.Properties.State), ['DISABLED']);
  });

  it('lets the scoring job read only the model prefix and the scoring input prefix, and write only the scores prefix', () => {
    training.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'Tandem-training-score',
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: Match.objectLike({ Command: scoringJobCommand }),
    });
    assert.deepEqual(scoringJobStorePrefixes, { read: ['models/'], write: ['scores/'] });
    const statements = roleStatements(training, 'ScoringJobRole');
    assert.deepEqual(grants(stacks.training, statements), {
      's3:GetObject': ['"<raw>/exports/customers/*"', '"<store>/models/*"'],
      's3:ListBucket': ['"<raw>"'],
      's3:PutObject': ['"<store>/scores/*"'],
      's3:AbortMultipartUpload': ['"<store>/scores/*"'],
    });
    const list = statements.find((statement) => [statement.Action].flat().includes('s3:ListBucket'));
    assert.deepEqual(list?.Condition, { StringLike: { 's3:prefix': ['exports/customers/*'] } });
  });

  it('lets the rescore function read champions/ and scores/, write and delete under scores/ only, and list the scoring input', () => {
    assert.deepEqual(rescoreStoreAccess, { read: ['champions/', 'scores/'], write: ['scores/'] });
    const statements = roleStatements(pipeline, 'RescorerescoreFunctionServiceRole').filter((statement) => !/^xray:/.test(String([statement.Action].flat()[0])));
    const granted = grants(stacks.pipeline, statements);
    assert.deepEqual(granted['s3:GetObject'], ['"<raw>/exports/customers/*"', '"<store>/champions/*"', '"<store>/scores/*"']);
    assert.deepEqual(granted['s3:PutObject'], ['"<store>/scores/*"']);
    assert.deepEqual(granted['s3:DeleteObject'], ['"<store>/scores/*"']);
  });
});

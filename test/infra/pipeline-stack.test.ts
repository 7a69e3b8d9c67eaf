import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { workflowRawBucketReaders, workflowStoreAccess, workflowStepNames } from '../../infra/constructs/workflow-functions.ts';
import { ingestLambdaStorage } from '../../infra/pipeline-stack.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';
import { workflowStateNames } from '../../workflows/tandem-workflow.ts';

let defaultSynth: { stack: Stack; template: Template } | undefined;

/** The pipeline stack synthesized with `context` over the defaults; the default synthesis is made once per file. */
function synthPipeline(context: Record<string, unknown> = {}): { stack: Stack; template: Template } {
  if (Object.keys(context).length === 0 && defaultSynth !== undefined) return defaultSynth;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = buildTandemStacks(app).pipeline;
  const synthesized = { stack, template: Template.fromStack(stack) };
  if (Object.keys(context).length === 0) defaultSynth = synthesized;
  return synthesized;
}

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }
interface PolicyResource { Properties: { Roles: unknown; PolicyDocument: { Statement: Statement[] } } }

/** The IAM role (logical id) of a workflow step's function. */
function stepRoleId(template: Template, name: string): string {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith(`Steps${name.replace('-', '')}FunctionServiceRole`));
  assert.ok(roleId, `role of ${name}`);
  return roleId;
}

/** Every statement of the policies attached to `roleId`. */
function statementsOfRole(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>)
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Whether a policy resource names the raw bucket (through its fixed export). */
const namesRawBucket = (resource: unknown): boolean => JSON.stringify(resource).includes('-RawBucketArn');

/** The state machine definition with every intrinsic replaced by a readable placeholder. */
function definitionOf(template: Template): { States: Record<string, Record<string, unknown>> } {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  const render = (value: unknown): string => typeof value === 'string' ? value
    : Array.isArray((value as { 'Fn::Join'?: unknown })['Fn::Join']) ? ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map(render).join('')
      : 'X';
  return JSON.parse(render(machine.Properties.DefinitionString)) as { States: Record<string, Record<string, unknown>> };
}

/** The schedule's execution input, the raw bucket's imported name read as `<raw bucket>`. */
function scheduleInput(template: Template): { config: { name: string; data: Record<string, unknown>; split: unknown } } {
  const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as { Properties: { Target: { Input: unknown } } };
  const render = (value: unknown): string => typeof value === 'string' ? value
    : Array.isArray((value as { 'Fn::Join'?: unknown })['Fn::Join']) ? ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]).map(render).join('')
      : JSON.stringify(value) === JSON.stringify({ 'Fn::ImportValue': 'Tandem-data-RawBucketName' }) ? '<raw bucket>' : 'X';
  return JSON.parse(render(schedule.Properties.Target.Input)) as { config: { name: string; data: Record<string, unknown>; split: unknown } };
}

describe('PipelineStack', () => {
  it('schedules the retraining run from context with the config as input, enabled once a config is deployed', () => {
    const { template } = synthPipeline({ scheduleExpression: 'cron(0 3 ? * MON *)', scheduleConfigFile: 'tandem.config.aws.example.json' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 ? * MON *)',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('Workflow') } }),
    });
    assert.equal(scheduleInput(template).config.name, 'shop');
    // No config at deploy time: the schedule is there, disabled, and starts nothing.
    synthPipeline().template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(7 days)', State: 'DISABLED' });
  });

  it('quotes a schedule expression it cannot use', () => {
    assert.throws(() => synthPipeline({ scheduleExpression: 'weekly' }), /got "weekly"/);
  });

  it('runs at most maxConcurrency trials of a rung at once, each a Batch .sync job, in the inline Map or (from distributedMapMinTrials on) the Distributed Map', () => {
    const { template } = synthPipeline({ maxConcurrency: 3, distributedMapMinTrials: 25 });
    const { States } = definitionOf(template);
    type MapState = { Type: string; MaxConcurrency: number; ItemProcessor: { ProcessorConfig: { Mode: string; ExecutionType?: string }; States: Record<string, { Resource: string }> } };
    // The rung Maps (the rescoring's Map over parts: test/infra/rescoring.test.ts).
    const maps = Object.values(States).filter((state) => state.Type === 'Map' && state.ItemsPath === '$.trials') as MapState[];
    assert.deepEqual(maps.map((map) => map.ItemProcessor.ProcessorConfig), [{ Mode: 'INLINE' }, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }]);
    for (const map of maps) {
      assert.equal(map.MaxConcurrency, 3);
      assert.ok(Object.values(map.ItemProcessor.States).some((state) => state.Resource.endsWith(':states:::batch:submitJob.sync')));
    }
    assert.deepEqual((States.ChooseRungMap as { Choices: { Variable: string }[] }).Choices.map((choice) => choice.Variable), ['$.trials[24]']);
  });

  it('lets the state machine run its Distributed Map: start executions of itself, describe, stop and redrive its own executions, nothing more', () => {
    const { template } = synthPipeline();
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0] as string;
    const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('WorkflowRole')) as string;
    const policy = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>)
      .find((candidate) => candidate.Properties.PolicyDocument.Statement.some((statement) => [statement.Action].flat().includes('states:StartExecution')));
    assert.ok(policy, 'a policy with states:StartExecution');
    assert.deepEqual(policy.Properties.Roles, [{ Ref: roleId }]);
    const executionsOfMachine = (suffix: string): unknown => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:',
        { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: machineId }] }] }, suffix]],
    });
    // The Distributed Maps' labels come in the order the definition reaches them: compare them as a set.
    const bySuffix = (resources: unknown): unknown => [resources].flat().map((resource) => JSON.stringify(resource)).sort();
    assert.deepEqual(policy.Properties.PolicyDocument.Statement.map(({ Action, Resource }) => ({ Action, Resource: bySuffix(Resource) })), [
      { Action: 'states:StartExecution', Resource: bySuffix({ Ref: machineId }) },
      { Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: bySuffix(executionsOfMachine(':*')) },
      { Action: 'states:RedriveExecution', Resource: bySuffix([executionsOfMachine('/TandemRung:*'), executionsOfMachine('/TandemRescore:*')]) },
    ]);
  });

  it('submits trials to the trainer job definition by name (its latest revision), not by a revision ARN', () => {
    const { States } = definitionOf(synthPipeline().template);
    const map = States[workflowStateNames.rungTrials] as { ItemProcessor: { States: Record<string, { Parameters?: { JobDefinition?: string } }> } };
    const submit = Object.values(map.ItemProcessor.States).find((state) => state.Parameters?.JobDefinition !== undefined);
    assert.match(submit?.Parameters?.JobDefinition ?? '', /:job-definition\/Tandem-training-trainer$/);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Template.fromStack(buildTandemStacks(app).training).hasResourceProperties('AWS::Batch::JobDefinition', { JobDefinitionName: 'Tandem-training-trainer' });
  });

  it('sends raw inputs of batchIngestMinBytes and more to the ingest job definition (by name) on the CPU queue, and sizes the ingest Lambda\'s /tmp for the rest', () => {
    const { template } = synthPipeline();
    const { States } = definitionOf(template);
    const job = States.IngestOnBatch as { Resource: string; Parameters: { JobDefinition: string; JobQueue: string } };
    assert.equal(job.Resource, 'arn:X:states:::batch:submitJob.sync');
    assert.match(job.Parameters.JobDefinition, /:job-definition\/Tandem-training-ingest$/);
    assert.equal(job.Parameters.JobQueue, 'X', 'the CPU queue, imported from the training stack');
    assert.equal((States.MeasureRawInput as { Parameters: { batchIngestMinBytes: number } }).Parameters.batchIngestMinBytes, 64 * 1024 ** 2);
    const ingest = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('StepsingestFunction'))?.[1] as { Properties: { EphemeralStorage: unknown } };
    assert.deepEqual(ingest.Properties.EphemeralStorage, { Size: 512 });
    assert.deepEqual(ingestLambdaStorage(1024 ** 3).toMebibytes(), 8192);
    assert.deepEqual(ingestLambdaStorage(4 * 1024 ** 3).toMebibytes(), 10240);
    const { States: always } = definitionOf(synthPipeline({ batchIngestMinBytes: '0' }).template);
    assert.equal((always.MeasureRawInput as { Parameters: { batchIngestMinBytes: number } }).Parameters.batchIngestMinBytes, 0);
  });

  it('notifies failures through an encrypted SNS topic, from an execution-status rule and an ExecutionsFailed alarm', () => {
    const { template } = synthPipeline({ notificationEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.states'], detail: Match.objectLike({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }) }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Failures') }],
    });
  });

  it('runs every step on Node 22, on arm64 except ingest (x86_64, for the DuckDB binding it ships)', () => {
    const { template } = synthPipeline();
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Runtime: string; Architectures: string[] } }>;
    // The workflow's steps and the rescore function (DuckDB too: x86_64).
    assert.equal(Object.keys(functions).length, workflowStepNames.length + 1);
    for (const [id, fn] of Object.entries(functions)) {
      assert.equal(fn.Properties.Runtime, 'nodejs22.x');
      assert.deepEqual(fn.Properties.Architectures, [id.startsWith('StepsingestFunction') || id.startsWith('Rescore') ? 'x86_64' : 'arm64'], id);
    }
  });

  it('grants each step only its store prefixes and actions', () => {
    const { stack, template } = synthPipeline();
    for (const name of workflowStepNames) {
      const statements = statementsOfRole(template, stepRoleId(template, name)).filter((statement) => !namesRawBucket(statement.Resource));
      const prefixesOf = (action: string): string[] => statements
        .filter((statement) => [statement.Action].flat().includes(action))
        .flatMap((statement) => [statement.Resource].flat())
        .map((resource) => JSON.stringify(stack.resolve(resource)).match(/"\/([\w-]+\/)\*"\]\]\}$/)?.[1] ?? JSON.stringify(resource))
        .sort();
      const access = workflowStoreAccess[name];
      assert.deepEqual(prefixesOf('s3:GetObject'), [...access.read].sort(), `${name} reads`);
      assert.deepEqual(prefixesOf('s3:PutObject'), [...access.write].sort(), `${name} writes`);
      const actions = new Set(statements.flatMap((statement) => [statement.Action].flat()));
      // Besides the store: X-Ray's two write actions (active tracing), which take no resource but '*'.
      for (const action of actions) assert.ok(['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:DeleteObject', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].includes(action), `${name} may ${action}`);
    }
  });

  it('lets ingest read the raw bucket (GetObject on its objects, ListBucket on it) and nothing else touch it', () => {
    const { template } = synthPipeline();
    assert.deepEqual(workflowRawBucketReaders, ['ingest']);
    const ingestRole = stepRoleId(template, 'ingest');
    const raw = statementsOfRole(template, ingestRole).filter((statement) => namesRawBucket(statement.Resource));
    const rawBucketArn = { 'Fn::ImportValue': 'Tandem-data-RawBucketArn' };
    assert.deepEqual(raw.map(({ Effect, Action, Resource, Condition }) => ({ Effect, Action, Resource, Condition })), [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [rawBucketArn, '/*']] }, Condition: undefined },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: rawBucketArn, Condition: undefined },
    ]);
    // No other role (other steps, the state machine, the scheduler) may do anything with the raw bucket.
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>)) {
      if (JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: ingestRole }])) continue;
      assert.ok(!policy.Properties.PolicyDocument.Statement.some((statement) => namesRawBucket(statement.Resource)), `${id} names the raw bucket`);
    }
  });

  it('starts scheduled runs with the scheduled config validated and its defaults applied; its data paths must be s3:// URIs', () => {
    const { template } = synthPipeline();
    const input = scheduleInput(template);
    // s3://RAW_BUCKET/<key> in the config is this deployment's raw bucket (its name imported from the data stack).
    assert.equal(input.config.data.customers, 's3://<raw bucket>/shop/customers.csv');
    assert.ok(input.config.split !== undefined, 'defaults applied');
    assert.throws(() => synthPipeline({ scheduleConfigFile: 'tandem.config.example.json' }),
      /scheduleConfigFile tandem\.config\.example\.json: data\.customers must be an s3:\/\/ URI .*got "\.tandem\/demo\/shop\/customers\.csv"/);
    const folder = mkdtempSync(path.join(tmpdir(), 'tandem-scheduled-config-'));
    try {
      const table = path.join(folder, 'table.json');
      writeFileSync(table, JSON.stringify({ name: 't', data: { path: 'data/telco.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'Churn', positive: ['Yes'] } }] }));
      assert.throws(() => synthPipeline({ scheduleConfigFile: table }), (error: Error) => error.message.includes(`${table}: data.path must be an s3:// URI`));
      const invalid = path.join(folder, 'invalid.json');
      writeFileSync(invalid, JSON.stringify({ name: 't', data: { path: 's3://raw/t.csv' }, tasks: [] , bogus: 1 }));
      assert.throws(() => synthPipeline({ scheduleConfigFile: invalid }), (error: Error) => error.message.startsWith(`scheduleConfigFile invalid config ${invalid}`) && error.message.includes('bogus'));
      assert.throws(() => synthPipeline({ scheduleConfigFile: path.join(folder, 'missing.json') }), /missing\.json: cannot read it \(ENOENT\)/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

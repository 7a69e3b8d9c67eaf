import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { workflowStateNames as names } from '../../workflows/tandem-workflow.ts';

interface Statement { Action: string | string[]; Resource: unknown; Condition?: unknown }

/** A template value with every intrinsic rendered: AWS::Partition as `aws`, other references as `<ref>`. */
function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) return join[1].map(rendered).join(join[0]);
  return (value as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : '<ref>';
}

function synthPipeline(context: Record<string, unknown> = {}): Stack {
  return buildTandemStacks(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } })).pipeline;
}

/** Every IAM statement of the stack with its resources rendered, by action. */
function statementsWith(template: Template, action: string): { resources: string[]; condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>)
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement) => [statement.Action].flat().includes(action))
    .map((statement) => ({ resources: [statement.Resource].flat().map(rendered), ...(statement.Condition === undefined ? {} : { condition: statement.Condition }) }));
}

describe('the Athena ingest branch in the pipeline stack', () => {
  let dir = '';
  let stack: Stack;
  let template: Template;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-athena-infra-'));
    const configFile = path.join(dir, 'athena.config.json');
    writeFileSync(configFile, JSON.stringify({
      name: 'shop',
      data: {
        kind: 'events',
        customers: 's3://RAW_BUCKET/shop/customers.csv',
        sessions: 's3://RAW_BUCKET/shop/sessions.csv',
        orders: 's3://RAW_BUCKET/shop/orders.csv',
        cutoff: '2024-10-01',
        athena: { database: 'shop_raw', workgroup: 'tandem-ingest', minBytes: 50_000_000_000 },
      },
    }));
    stack = synthPipeline({ scheduleConfigFile: configFile });
    template = Template.fromStack(stack);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has the size Choice send flagged inputs to the Athena .sync task, and on to the dataset step and plan', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
    const definition = JSON.parse(rendered(machine.Properties.DefinitionString)) as { States: Record<string, Record<string, unknown>> };
    const choice = definition.States[names.chooseIngestRunner] as { Choices: { Variable: string; BooleanEquals?: boolean; Next: string }[] };
    assert.deepEqual(choice.Choices[0], { Variable: '$.rawInput.athena', BooleanEquals: true, Next: names.planAthenaIngest });
    const query = definition.States[names.runAthenaQuery] as { Resource: string; Parameters: Record<string, unknown>; Next: string; ResultPath: null };
    assert.equal(query.Resource, 'arn:aws:states:::athena:startQueryExecution.sync');
    assert.deepEqual(query.Parameters, {
      'QueryString.$': '$.athena.query',
      'WorkGroup.$': '$.athena.workgroup',
      QueryExecutionContext: { 'Database.$': '$.athena.database' },
      ResultConfiguration: { 'OutputLocation.$': '$.athena.resultsLocation' },
    });
    assert.equal(query.ResultPath, null);
    assert.equal(query.Next, names.writeAthenaDataset);
    assert.equal(definition.States[names.planAthenaIngest]?.Next, names.runAthenaQuery);
    assert.equal(definition.States[names.writeAthenaDataset]?.Next, names.plan);
    // The local runner executes the same document.
    assert.deepEqual(renderWorkflowDefinition().States[names.runAthenaQuery], definition.States[names.runAthenaQuery]);
  });

  it('grants Athena on the config\'s workgroup, Glue on its database, and S3 writes under the store\'s Athena prefixes only', () => {
    assert.deepEqual(statementsWith(template, 'athena:StartQueryExecution').map((s) => s.resources), [['arn:aws:athena:<ref>:<ref>:workgroup/tandem-ingest']]);
    const glue = statementsWith(template, 'glue:CreateTable');
    assert.equal(glue.length, 1);
    assert.deepEqual(glue[0]!.resources, ['arn:aws:glue:<ref>:<ref>:catalog', 'arn:aws:glue:<ref>:<ref>:database/shop_raw', 'arn:aws:glue:<ref>:<ref>:table/shop_raw/*']);
    const writes = statementsWith(template, 's3:PutObject').filter((s) => s.resources.some((r) => r.includes('athena')));
    assert.deepEqual(writes.map((s) => s.resources), [['<ref>/datasets/athena-tables/*', '<ref>/datasets/athena-results/*']]);
  });

  it('leaves cdk-nag with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    assert.deepEqual(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
  });
});

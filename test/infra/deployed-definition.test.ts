import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';
import { defaultWorkflowTimeoutHours, renderWorkflowDefinition } from '../../workflows/render-definition.ts';

const arn = '<arn>';

/** The definition string of a synthesized template, every intrinsic (Ref, GetAtt, ImportValue) read as `<arn>`. */
function deployedDefinition(template: Template): unknown {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    return join === undefined ? arn : join[1].map(render).join(join[0]);
  };
  return JSON.parse(render(machine.Properties.DefinitionString));
}

/** Replaces account- and deployment-specific ARNs (whole or partial) by `<arn>`, so two renderings compare. */
function withoutArns(value: unknown): unknown {
  if (typeof value === 'string') return /^arn:|<arn>/.test(value) ? arn : value;
  if (Array.isArray(value)) return value.map(withoutArns);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutArns(item)]));
  return value;
}

describe('the deployed state machine', () => {
  it('is the definition `tandem run` executes locally, up to ARNs, for the same deploy-time settings', () => {
    const settings = { maxConcurrency: 3, distributedMapMinTrials: 12, batchIngestMinBytes: 1000 };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...settings, workflowTimeoutHours: 6 } });
    const deployed = withoutArns(deployedDefinition(Template.fromStack(buildTandemStacks(app).pipeline)));
    assert.deepEqual(deployed, withoutArns(renderWorkflowDefinition({ ...settings, timeoutHours: 6 })));
    assert.equal((deployed as { TimeoutSeconds: number }).TimeoutSeconds, 6 * 3600);
    // The settings do reach the definition: other values render another document.
    assert.notDeepEqual(deployed, withoutArns(renderWorkflowDefinition({ ...settings, distributedMapMinTrials: 13 })));
    assert.notDeepEqual(deployed, withoutArns(renderWorkflowDefinition({ ...settings, batchIngestMinBytes: 1001 })));
  });

  it('is, with no settings, the document `tandem run` renders by default: the 24 h timeout included', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const deployed = deployedDefinition(Template.fromStack(buildTandemStacks(app).pipeline));
    const local = renderWorkflowDefinition();
    assert.equal(local.TimeoutSeconds, defaultWorkflowTimeoutHours * 3600);
    // Byte for byte once the ARNs are set aside: same keys, same order, same timeout.
    assert.equal(JSON.stringify(withoutArns(deployed)), JSON.stringify(withoutArns(local)));
  });
});

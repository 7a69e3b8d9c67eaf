import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildTandemStacks, type TandemStacks } from '../../infra/tandem-stacks.ts';
import { tandemCdkApp } from '../helpers/tandem-cdk-app.ts';

type StackName = 'data' | 'training' | 'api' | 'pipeline';

function synthStack(name: StackName): Stack {
  // cdk.json's feature flags, as cdk synth (where the nag aspect runs) has them.
  const app = tandemCdkApp();
  const stacks: TandemStacks = buildTandemStacks(app);
  return stacks[name];
}

/** Every cdk-nag acknowledgment (suppression) recorded under `scope`: metadata `{ "Annotation::<rule>": reason }`. */
function nagAcknowledgmentsUnder(scope: IConstruct): { path: string; id: string; reason: unknown }[] {
  return scope.node.findAll().flatMap((construct) => construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>))
    .filter(([id]) => id.includes('AwsSolutions-'))
    .map(([id, reason]) => ({ path: construct.node.path, id, reason })));
}

describe('cdk-nag AwsSolutionsChecks', () => {
  for (const name of ['data', 'training', 'api', 'pipeline'] as const) {
    it(`reports no unacknowledged finding on the ${name} stack`, () => {
      const report = new AwsSolutionsChecks().validateScope(synthStack(name));
      const findings = report.violations.map((violation) =>
        `${violation.ruleName} (${violation.severity}) at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`);
      assert.deepEqual(findings, []);
      assert.equal(report.success, true);
    });

    it(`gives a reason for every suppression on the ${name} stack`, () => {
      const acknowledgments = nagAcknowledgmentsUnder(synthStack(name));
      if (name !== 'data') assert.ok(acknowledgments.length > 0, 'expected the suppressions this stack needs');
      for (const { path, id, reason } of acknowledgments) {
        assert.ok(typeof reason === 'string' && reason.length >= 40, `${id} at ${path} needs a reason, got ${JSON.stringify(reason)}`);
      }
    });
  }

  it('is live: it flags an unencrypted, SSL-optional bucket that nobody acknowledged', () => {
    const stack = new Stack(new App(), 'Bare');
    new s3.Bucket(stack, 'Loose');
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((violation) => violation.ruleName);
    assert.ok(rules.includes('AwsSolutions-S10'), `expected AwsSolutions-S10 (SSL) among ${rules.join(', ')}`);
  });
});

// The CDK app entry (`cdk.json` runs it with tsx). Settings come from context; see infra/tandem-context.ts.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTandemStacks } from './tandem-stacks.ts';

const app = new App();
buildTandemStacks(app);
// Synthesis fails on any AwsSolutions finding that is not acknowledged (with its reason) in the constructs.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

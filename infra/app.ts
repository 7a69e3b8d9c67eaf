// The CDK app entry (`cdk.json` runs it with tsx). Settings come from context; see infra/tandem-context.ts.
import { App } from 'aws-cdk-lib';
import { buildTandemStacks } from './tandem-stacks.ts';

const app = new App();
buildTandemStacks(app);
app.synth();

import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';

/** The CDK feature flags `cdk.json` sets (`@aws-cdk...` context keys): what `cdk synth` and `cdk deploy` run with. */
export const cdkJsonFeatureFlags: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries((JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context)
    .filter(([key]) => key.startsWith('@aws-cdk')),
);

/** An app as `cdk deploy` makes it (cdk.json's feature flags, then `context` as `-c` would give it), bundling skipped. */
export function tandemCdkApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJsonFeatureFlags, 'aws:cdk:bundling-stacks': [], ...context } });
}

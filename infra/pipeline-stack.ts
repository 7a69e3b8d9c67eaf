import { type CfnElement, Duration, Size, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { buildTandemWorkflow, defaultBatchIngestMinBytes, distributedMapLabel } from '../workflows/tandem-workflow.ts';
import { importRawBucket, type RawBucketExport } from './constructs/raw-bucket-export.ts';
import { importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { WorkflowFunctions } from './constructs/workflow-functions.ts';
import { readScheduledConfig } from './scheduled-config.ts';

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  readonly storeBucket: StoreBucketExport;
  /** The raw bucket the config's `s3://` data lives in: only ingestion may read it. */
  readonly rawBucket: RawBucketExport;
  /** The GPU job queue trials are submitted to. */
  readonly jobQueueArn: string;
  /**
   * The trainer job definition's name. Jobs are submitted by its revision-less ARN, so Batch runs the latest revision
   * and a new trainer image never changes (and so never blocks) a cross-stack export.
   */
  readonly jobDefinitionName: string;
  /** The CPU (Fargate) job queue large ingestions run on. */
  readonly cpuJobQueueArn: string;
  /** The ingest job definition's name (submitted by name, like the trainer's). */
  readonly ingestJobDefinitionName: string;
  /**
   * Raw input size (bytes) from which ingestion runs as the CPU Batch job rather than in the ingest Lambda.
   * @default defaultBatchIngestMinBytes (64 MiB)
   */
  readonly batchIngestMinBytes?: number;
  /** EventBridge Scheduler expression of the retraining run, e.g. `rate(7 days)` or `cron(0 3 ? * MON *)`. */
  readonly scheduleExpression: string;
  /**
   * The Tandem config (JSON file, every data path an s3:// URI) each scheduled run starts with, as the execution
   * input's `config`; validated at synth (see `readScheduledConfig`).
   */
  readonly scheduledConfigFile: string;
  /**
   * Trials of one rung trained at once (inline and Distributed Map alike).
   * @default 4
   */
  readonly maxConcurrency?: number;
  /**
   * Trials in a rung from which the rung runs in the Distributed Map (each trial a child execution).
   * @default defaultDistributedMapMinTrials (40)
   */
  readonly distributedMapMinTrials?: number;
  /** Address subscribed to failure notifications; none when empty. */
  readonly notificationEmail?: string;
}

/**
 * The ingest Lambda's /tmp for raw inputs below `batchIngestMinBytes`: room for the staged inputs, DuckDB's spill
 * files and the dataset being written (8x the largest input it takes), within Lambda's 512 MiB to 10 GiB.
 */
export function ingestLambdaStorage(batchIngestMinBytes: number): Size {
  const mebibytes = Math.ceil((8 * batchIngestMinBytes) / 2 ** 20);
  return Size.mebibytes(Math.min(10240, Math.max(512, mebibytes)));
}

/** The retraining pipeline: the workflow's functions and state machine, its schedule, and failure alarms to SNS. */
export class PipelineStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly failures: sns.Topic;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    if (!/^(rate|cron|at)\(.+\)$/.test(props.scheduleExpression)) {
      throw new Error(`PipelineStack: scheduleExpression must be rate(...), cron(...) or at(...), got "${props.scheduleExpression}"`);
    }
    const config = readScheduledConfig(props.scheduledConfigFile);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    const rawBucket = importRawBucket(this, 'RawBucket', props.rawBucket);
    const batchIngestMinBytes = props.batchIngestMinBytes ?? defaultBatchIngestMinBytes;
    const steps = new WorkflowFunctions(this, 'Steps', {
      storeBucket,
      storeBucketExport: props.storeBucket,
      rawBucket,
      rawBucketExport: props.rawBucket,
      ingestEphemeralStorage: ingestLambdaStorage(batchIngestMinBytes),
    }).functions;

    const definition = buildTandemWorkflow(this, {
      ingestFunction: steps.ingest.function,
      planFunction: steps.plan.function,
      promoteRungFunction: steps['promote-rung'].function,
      selectFunction: steps.select.function,
      promoteFunction: steps.promote.function,
      notifyFunction: steps.notify.function,
      jobQueueArn: props.jobQueueArn,
      jobDefinitionArn: this.formatArn({ service: 'batch', resource: 'job-definition', resourceName: props.jobDefinitionName }),
      cpuJobQueueArn: props.cpuJobQueueArn,
      ingestJobDefinitionArn: this.formatArn({ service: 'batch', resource: 'job-definition', resourceName: props.ingestJobDefinitionName }),
      batchIngestMinBytes,
      maxConcurrency: props.maxConcurrency,
      distributedMapMinTrials: props.distributedMapMinTrials,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'WorkflowLogs', { retention: logs.RetentionDays.THREE_MONTHS }), level: sfn.LogLevel.ALL },
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions needs logs:*LogDelivery and X-Ray actions (no resource-level permissions) and events:PutTargets on its own managed rule for the Batch .sync integration.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/*]',
      reason: 'BatchSubmitJob grants SubmitJob on job definitions by name; each deploy of the trainer image makes a new job definition revision.',
    });
    // The Distributed Map starts its child executions as executions of this state machine, then describes, stops and
    // redrives them: CDK grants those actions on this machine's executions (named at run time) and nothing wider.
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.getLogicalId(this.stateMachine.node.defaultChild as CfnElement)}"}]}]}`;
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}:*]`,
      reason: 'The rung Distributed Map describes and stops the child executions it starts; their names are made at run time, and the wildcard stays within this state machine\'s executions.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}/${distributedMapLabel}:*]`,
      reason: 'The rung Distributed Map may redrive its labelled child executions; their names are made at run time, and the wildcard stays within this state machine\'s executions.',
    });
    for (const step of Object.values(steps)) {
      const logicalId = this.getLogicalId(step.function.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'LambdaInvoke grants lambda:InvokeFunction on the function and its versions and aliases (ARN:*); one function each.',
      });
    }

    this.failures = new sns.Topic(this, 'Failures', {
      displayName: 'Tandem pipeline failures',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.notificationEmail !== undefined && props.notificationEmail !== '') {
      this.failures.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
    }
    new events.Rule(this, 'ExecutionFailed', {
      description: 'A Tandem pipeline run failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new eventTargets.SnsTopic(this.failures)],
    });
    const failedAlarm = new cloudwatch.Alarm(this, 'ExecutionsFailedAlarm', {
      alarmDescription: 'A Tandem pipeline run failed',
      metric: this.stateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failedAlarm.addAlarmAction(new cloudwatchActions.SnsAction(this.failures));

    this.schedule = new scheduler.Schedule(this, 'Retraining', {
      description: 'Scheduled Tandem retraining run',
      schedule: scheduler.ScheduleExpression.expression(props.scheduleExpression),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ config }),
        retryAttempts: 2,
      }),
    });
  }
}

import { Aws, CfnOutput, type CfnElement, Duration, Size, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { defaultWorkflowTimeoutHours } from '../workflows/render-definition.ts';
import { buildTandemWorkflow, defaultBatchIngestMinBytes, distributedMapLabel, rescoreMapLabel, type TandemWorkflowProps } from '../workflows/tandem-workflow.ts';
import { RescoreFunction, RescoringMachine } from './constructs/rescoring.ts';
import { grantAthenaIngest } from './constructs/athena-ingest-grants.ts';
import { importRawBucket, type RawBucketExport } from './constructs/raw-bucket-export.ts';
import { importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { stateMachineArnOutputKey } from '../workflows/pipeline-stack-outputs.ts';
import { WorkflowFunctions } from './constructs/workflow-functions.ts';
import { readScheduledConfig, withRawBucket } from './scheduled-config.ts';

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
  /** The scoring job definition's name (CPU queue): one part of a customer base per job, after a promotion or on `scoring.schedule`. */
  readonly scoringJobDefinitionName: string;
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
   * Whether the schedule starts runs. Deployed without a config of its own (`scheduleConfigFile` context empty), the
   * schedule is disabled: it carries the example config's shape and starts nothing until a config is deployed.
   * @default true
   */
  readonly scheduleEnabled?: boolean;
  /**
   * Hours a run may take before Step Functions stops it (TIMED_OUT, which notifies like a failure).
   * @default 24
   */
  readonly workflowTimeoutHours?: number;
  /** The scoring API's function: its invocations, errors and latency go on the dashboard, its errors raise an alarm. */
  readonly apiFunction?: lambda.IFunction;
  /**
   * The scoring API's HTTP API (the door for callers with a key): its requests, 4xx, 5xx and latency go on the
   * dashboard beside the function's, and its 5xx answers raise an alarm.
   */
  readonly apiHttpApi?: apigwv2.IHttpApi;
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

/** The Step Functions service integration every Batch job of the workflow (trials, large ingestions) runs through. */
const batchSyncIntegration = `arn:${Aws.PARTITION}:states:::batch:submitJob.sync`;

/**
 * The retraining pipeline: the workflow's functions and state machine, its schedule, the operators' dashboard, and
 * alarms (failed runs, API errors, Batch jobs that never got capacity) published to an encrypted SNS topic.
 */
export class PipelineStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly failures: sns.Topic;
  /** The failures topic's key: customer-managed, so CloudWatch alarms and EventBridge rules may publish to the topic. */
  readonly failuresKey: kms.Key;
  readonly schedule: scheduler.Schedule;
  readonly dashboard: cloudwatch.Dashboard;
  /** The rescoring state machine and its schedule (`scoring.schedule`). */
  readonly rescoring: RescoringMachine;

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

    // The rescoring of the customer base (config `scoring`): its Lambda; the parts run as CPU Batch scoring jobs.
    const rescore = new RescoreFunction(this, 'Rescore', { storeBucket, storeBucketExport: props.storeBucket, rawBucket, scoringInput: config.scoring?.input }).step;
    const workflowProps: TandemWorkflowProps = {
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
      rescoreFunction: rescore.function,
      scoringJobDefinitionArn: this.formatArn({ service: 'batch', resource: 'job-definition', resourceName: props.scoringJobDefinitionName }),
    };
    const definition = buildTandemWorkflow(this, workflowProps);
    const { workflowTimeoutHours = defaultWorkflowTimeoutHours } = props;
    if (!Number.isInteger(workflowTimeoutHours) || workflowTimeoutHours < 1) {
      throw new Error(`PipelineStack: workflowTimeoutHours must be a whole number of hours >= 1, got ${workflowTimeoutHours}`);
    }
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // A run waiting forever (GPU capacity that never comes, a stuck job) ends TIMED_OUT and notifies.
      timeout: Duration.hours(workflowTimeoutHours),
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
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}/${rescoreMapLabel}:*]`,
      reason: 'The rescoring Distributed Map may redrive its labelled child executions (one per part); the wildcard stays within this state machine\'s executions.',
    });
    for (const step of [...Object.values(steps), rescore]) {
      const logicalId = this.getLogicalId(step.function.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'LambdaInvoke grants lambda:InvokeFunction on the function and its versions and aliases (ARN:*); one function each.',
      });
    }
    // The Athena ingest branch runs with this role: granted for the scheduled config's workgroup and database only.
    if (config.data.kind === 'events' && config.data.athena !== undefined) {
      const { workgroup, database } = config.data.athena;
      grantAthenaIngest(this.stateMachine, { workgroup, database, storeBucket, storeBucketExport: props.storeBucket, rawBucket, rawBucketExport: props.rawBucket });
    }

    // The AWS-managed alias/aws/sns key cannot be shared with other services: CloudWatch alarms and EventBridge could
    // not publish to a topic it encrypts. A customer-managed key whose policy lets them use it can.
    this.failuresKey = new kms.Key(this, 'FailuresKey', {
      description: 'Tandem pipeline notifications (SNS topic encryption)',
      enableKeyRotation: true,
    });
    this.failuresKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAlarmsAndRulesToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      // In a key policy '*' is this key. No source condition: CloudWatch's documented statement has none.
      resources: ['*'],
    }));
    this.failures = new sns.Topic(this, 'Failures', {
      displayName: 'Tandem pipeline failures',
      enforceSSL: true,
      masterKey: this.failuresKey,
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

    // Batch cancels a job that waited RUNNABLE for capacity longer than the queue allows (jobStateTimeLimitActions in
    // the training stack); each such cancellation is a notice and trips the alarm.
    const capacityCancelled = new events.Rule(this, 'BatchCapacityTimeout', {
      description: 'A Tandem Batch job was cancelled after waiting RUNNABLE for capacity (GPU quota, no spot capacity, or no instance type that fits)',
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job State Change'],
        detail: {
          jobQueue: [props.jobQueueArn, props.cpuJobQueueArn],
          status: ['FAILED'],
          statusReason: [{ prefix: 'Canceled by JobStateTimeLimit action' }],
        },
      },
      targets: [new eventTargets.SnsTopic(this.failures)],
    });
    const capacityMetric = new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: capacityCancelled.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    const capacityAlarm = new cloudwatch.Alarm(this, 'BatchCapacityAlarm', {
      alarmDescription: 'Tandem Batch jobs waited for capacity until Batch cancelled them: request the EC2 G and VT vCPU quota, allow spot with onDemandFallback, or add instance types',
      metric: capacityMetric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    capacityAlarm.addAlarmAction(new cloudwatchActions.SnsAction(this.failures));

    // Both API alarms fire at 5 or more in 5 minutes and notify the topic.
    const apiAlarmOn = (id: string, alarmDescription: string, metric: cloudwatch.IMetric): cloudwatch.Alarm => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.failures));
      return alarm;
    };
    const apiAlarm = props.apiFunction === undefined ? undefined : apiAlarmOn('ApiErrorsAlarm',
      'The Tandem scoring API failed 5 or more invocations in 5 minutes (see its log group)',
      props.apiFunction.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }));
    // 5xx as callers see them: the function's errors, and also a timeout or throttle of the integration.
    const apiServerErrorsAlarm = props.apiHttpApi === undefined ? undefined : apiAlarmOn('ApiServerErrorsAlarm',
      'The Tandem scoring HTTP API answered 5 or more 5xx in 5 minutes (see the API function\'s log group and the HTTP API access logs)',
      props.apiHttpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }));

    this.dashboard = this.buildDashboard(capacityMetric, [failedAlarm, capacityAlarm, ...(apiAlarm === undefined ? [] : [apiAlarm]), ...(apiServerErrorsAlarm === undefined ? [] : [apiServerErrorsAlarm])], props.apiFunction, props.apiHttpApi);

    const scheduleEnabled = props.scheduleEnabled ?? true;
    this.schedule = new scheduler.Schedule(this, 'Retraining', {
      description: scheduleEnabled ? 'Scheduled Tandem retraining run' : 'Scheduled Tandem retraining run (disabled: deploy with -c scheduleConfigFile=<config.json> to enable)',
      schedule: scheduler.ScheduleExpression.expression(props.scheduleExpression),
      enabled: scheduleEnabled,
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        // s3://RAW_BUCKET/<key> in the config names this deployment's raw bucket.
        input: scheduler.ScheduleTargetInput.fromObject({ config: withRawBucket(config, rawBucket.bucketName) }),
        retryAttempts: 2,
      }),
    });
    // Rescoring without retraining, on the config's scoring.schedule (disabled without one).
    this.rescoring = new RescoringMachine(this, 'Rescoring', {
      workflow: workflowProps,
      input: { config: withRawBucket(config, rawBucket.bucketName) },
      schedule: config.scoring?.schedule,
      scheduleEnabled,
    });

    new CfnOutput(this, stateMachineArnOutputKey, {
      value: this.stateMachine.stateMachineArn,
      description: 'The retraining workflow: tandem run --remote <this stack\'s name> (or this ARN) starts it',
    });
    new CfnOutput(this, 'NotificationsTopicArn', { value: this.failures.topicArn, description: 'Failure notices and alarms (subscribe here)' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.dashboard.dashboardName}`,
      description: 'The Tandem operations dashboard',
    });
  }

  /** Runs, trial jobs, capacity cancellations, alarms and the API, on one CloudWatch dashboard. */
  private buildDashboard(capacityMetric: cloudwatch.Metric, alarms: cloudwatch.IAlarm[], apiFunction: lambda.IFunction | undefined, apiHttpApi: apigwv2.IHttpApi | undefined): cloudwatch.Dashboard {
    const hourly = { period: Duration.hours(1), statistic: 'Sum' };
    const batchJobs = (metricName: string, label: string): cloudwatch.Metric => new cloudwatch.Metric({
      namespace: 'AWS/States', metricName, dimensionsMap: { ServiceIntegrationResourceArn: batchSyncIntegration }, label, ...hourly,
    });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-operations`,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Pipeline runs (per hour)',
        left: [
          this.stateMachine.metricStarted({ ...hourly, label: 'started' }),
          this.stateMachine.metricSucceeded({ ...hourly, label: 'succeeded' }),
          this.stateMachine.metricFailed({ ...hourly, label: 'failed' }),
          this.stateMachine.metricTimedOut({ ...hourly, label: 'timed out' }),
          this.stateMachine.metricAborted({ ...hourly, label: 'aborted' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Batch jobs run by Step Functions in this region: trials and large ingestions (per hour)',
        left: [
          batchJobs('ServiceIntegrationsStarted', 'started'),
          batchJobs('ServiceIntegrationsSucceeded', 'succeeded'),
          batchJobs('ServiceIntegrationsFailed', 'failed'),
          batchJobs('ServiceIntegrationsTimedOut', 'timed out'),
        ],
        right: [capacityMetric.with({ label: 'Batch jobs cancelled waiting for capacity' })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 12, height: 4 }),
      new cloudwatch.TextWidget({
        markdown: [
          '**Batch queue depth**: AWS Batch publishes no CloudWatch metric for jobs waiting in a queue. See the Batch console',
          `([job queues](https://${Aws.REGION}.console.aws.amazon.com/batch/home?region=${Aws.REGION}#queues)): RUNNABLE jobs and their status reason;`,
          'jobs that wait longer than `capacityWaitMinutes` are cancelled and counted on the right axis above.',
        ].join(' '),
        width: 12,
        height: 4,
      }),
    );
    if (apiFunction !== undefined) {
      const fiveMinutes = Duration.minutes(5);
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Scoring API: invocations, errors, throttles (per 5 minutes)',
          left: [
            apiFunction.metricInvocations({ period: fiveMinutes, statistic: 'Sum', label: 'invocations' }),
            apiFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: 'errors' }),
            apiFunction.metricThrottles({ period: fiveMinutes, statistic: 'Sum', label: 'throttles' }),
          ],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Scoring API: latency (ms)',
          left: ['p50', 'p90', 'p99'].map((statistic) => apiFunction.metricDuration({ period: fiveMinutes, statistic, label: statistic })),
          width: 12,
        }),
      );
    }
    if (apiHttpApi !== undefined) {
      const fiveMinutes = Duration.minutes(5);
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Scoring HTTP API: requests, 4xx, 5xx (per 5 minutes)',
          left: [apiHttpApi.metricCount({ period: fiveMinutes, statistic: 'Sum', label: 'requests' })],
          right: [
            apiHttpApi.metricClientError({ period: fiveMinutes, statistic: 'Sum', label: '4xx' }),
            apiHttpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum', label: '5xx' }),
          ],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Scoring HTTP API: latency as callers see it (ms)',
          left: [
            ...['p50', 'p90', 'p99'].map((statistic) => apiHttpApi.metricLatency({ period: fiveMinutes, statistic, label: statistic })),
            apiHttpApi.metricIntegrationLatency({ period: fiveMinutes, statistic: 'p90', label: 'p90 in the function (integration)' }),
          ],
          width: 12,
        }),
      );
    }
    return dashboard;
  }
}

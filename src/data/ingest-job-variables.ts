// The container overrides of the CPU Batch ingest job: named once, for the workflow that sets them and the job that
// reads them. Kept free of imports so the CDK app can name them without loading the ingestion code.

/** The environment variable that carries the execution's state (JSON: config and overrides) into the ingest job. */
export const INGEST_INPUT_ENV_VAR = 'TANDEM_INGEST';

/** The environment variable that names the store key the ingest job writes its result to. */
export const INGEST_RESULT_ENV_VAR = 'TANDEM_INGEST_RESULT';

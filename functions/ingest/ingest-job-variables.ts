// The ingest job's container overrides, named in src (the job reads them there); the workflow names them from here.
export { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../../src/data/ingest-job-variables.ts';

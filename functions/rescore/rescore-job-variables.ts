// The variable lives in src (the scoring job's code reads it); the workflow and the local runner import it from here.
export { SCORE_PART_ENV_VAR } from '../../src/serve/rescore-job.ts';

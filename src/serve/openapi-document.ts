import { z } from 'zod';
import type { RawRow } from '../data/labelled-row.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import type { FeatureField } from '../model/model-card.ts';

/** One located problem: `{path, issue}`. */
export const issueSchema = z.object({ path: z.string().describe('Where: body, customers, customers[1].tenure'), issue: z.string() });

/** Unknown fields in the request rows: ignored, and listed so that a mistyped name does not go unnoticed. */
export const warningsSchema = z
  .array(issueSchema)
  .describe(
    'Unknown fields in the rows, ignored: e.g. {"path":"customers[0].Chrun","issue":"unknown field, ignored; did you mean churn?"}. At most 100, then one entry counting the rest. Empty when every field is known.',
  );

/** `{"error":{code, message, details}}`, the body of every error response. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .describe(
          'Stable code: invalid_json, invalid_request, invalid_rows, unauthorized, not_found, method_not_allowed, payload_too_large, model_unavailable, internal.',
        ),
      message: z.string(),
      details: z.array(issueSchema),
    }),
  })
  .describe('Error response.');

/** One customer's scores, as `tandem score` writes them. */
export const predictionSchema = z.object({
  id: z.string().describe("The row's id column value, else its 1-based position in the request."),
  scores: z
    .record(z.string(), z.number())
    .describe("Per task: probability (binary), value in label units (regression) or the predicted class's probability (multiclass)."),
  decisions: z
    .record(z.string(), z.boolean())
    .describe('Per task: score at or above the threshold chosen on validation; always true for a multiclass task (its decision is in classes).'),
  deciles: z.record(z.string(), z.number().int().min(1).max(10)).describe('Per task: 1..10, 10 the top tenth of held-out scores.'),
  classes: z
    .record(z.string(), z.string())
    .optional()
    .describe('Only when the model has a multiclass task: per multiclass task, the predicted (most probable) class.'),
  probabilities: z
    .record(z.string(), z.record(z.string(), z.number()))
    .optional()
    .describe('Only when the model has a multiclass task: per multiclass task, the probability of every class (they sum to 1).'),
  segment: z
    .string()
    .describe(
      "The name of the first of the model card's segment rules that matches (else the rules' default); without rules, the tasks with a positive decision and, per multiclass task, task=class, joined by +, or none.",
    ),
});

/** `POST /v1/predict` response. */
export const predictResponseSchema = z.object({ modelId: z.string(), predictions: z.array(predictionSchema), warnings: warningsSchema });

/** One reason code. */
export const featureAttributionSchema = z.object({
  feature: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]).describe('The value sent (null when missing).'),
  contribution: z.number().describe("score − score with this feature imputed as missing (multiclass: of the predicted class's probability)."),
});

/** `POST /v1/explain` response. */
export const explainResponseSchema = z.object({
  modelId: z.string(),
  explanations: z.array(
    z.object({
      id: z.string(),
      tasks: z.record(z.string(), z.array(featureAttributionSchema)).describe('Per task: the top 5 features by |contribution|.'),
    }),
  ),
  warnings: warningsSchema,
});

/** `GET /healthz` response (200 only while a model is loaded; 503 otherwise). */
export const healthSchema = z.object({ status: z.literal('ok'), modelId: z.string().describe('The served model.') });

/** `GET /v1/model` response: the model card (documented fields; the card may carry more). */
export const modelCardSchema = z.looseObject({
  modelId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  datasetId: z.string(),
  idColumn: z.string().nullable(),
  backend: z.string(),
  tasks: z.array(
    z.looseObject({
      name: z.string(),
      type: z.string(),
      threshold: z.number(),
      classes: z.array(z.string()).optional().describe('Multiclass: the class names in output order.'),
      decileEdges: z.array(z.number()),
    }),
  ),
  features: z.array(z.looseObject({ name: z.string(), kind: z.enum(['numeric', 'boolean', 'categorical']), categories: z.array(z.string()).optional() })),
  training: z.looseObject({}),
  metrics: z.looseObject({ validation: z.looseObject({}), test: z.looseObject({}) }),
  segments: z
    .looseObject({
      rules: z.array(z.looseObject({ name: z.string(), when: z.array(z.looseObject({ task: z.string() })) })),
      default: z.string(),
    })
    .optional()
    .describe('The segment rules the model was trained with (the config\'s `segments`): the first rule whose conditions all hold names the segment. Absent: the default `+`-joined segment.'),
});

const anyScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

function featureValueSchema(field: FeatureField): z.ZodType {
  switch (field.kind) {
    case 'numeric':
      return z.union([z.number(), z.string(), z.null()]).describe('Numeric: a number or numeric text; missing or null is imputed.');
    case 'boolean':
      return z.union([z.boolean(), z.string(), z.number(), z.null()]).describe('Yes/no: true/false, yes/no or 1/0; missing is imputed.');
    case 'categorical':
      return anyScalar.describe(`Categorical; known values: ${(field.categories ?? []).map((c) => JSON.stringify(c)).join(', ')}; others share one bucket.`);
  }
}

/**
 * The schema of one request row: the model's feature columns (each optional, missing values are imputed, but a row
 * needs at least one) and its id column; other keys are ignored and warned about. Without a model, any object.
 */
export function customerSchema(model?: LoadedModel): z.ZodType {
  if (model === undefined) return z.record(z.string(), z.unknown()).describe('Feature columns of the served model (see GET /v1/model).');
  const shape: Record<string, z.ZodType> = {};
  if (model.card.idColumn !== null) shape[model.card.idColumn] = z.union([z.string(), z.number()]).optional().describe('Customer id, echoed as "id".');
  for (const field of model.card.features) shape[field.name] = featureValueSchema(field).optional();
  return z
    .looseObject(shape)
    .describe(
      `One customer's feature columns for model ${model.modelId}: at least one of them (else 400); missing ones are imputed; other keys are ignored and listed in the response's warnings.`,
    );
}

/** A plausible request row for a model: medians, the most frequent category, the commoner yes/no answer. */
export function exampleCustomer(model: LoadedModel): RawRow {
  const row: RawRow = {};
  if (model.card.idColumn !== null) row[model.card.idColumn] = 'C-0001';
  for (const column of model.preprocessor.columns) {
    if (column.kind === 'numeric') {
      const median = column.log1p ? Math.expm1(column.median) : column.median;
      row[column.name] = Math.round(median * 100) / 100;
    } else if (column.kind === 'boolean') {
      row[column.name] = column.trueShare >= 0.5;
    } else if (column.vocabulary[0] !== undefined) {
      row[column.name] = column.vocabulary[0];
    }
  }
  return row;
}

/** What the OpenAPI document describes. */
export interface OpenApiDocumentOptions {
  /** The model served now: its feature columns become the request schema. Absent while none is loaded. */
  readonly model?: LoadedModel;
  readonly maxRows: number;
  readonly maxBodyBytes: number;
  /** Whether routes other than /healthz need `x-api-key`. */
  readonly apiKeyRequired: boolean;
}

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown>;

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string): { content: { 'application/json': { schema: { $ref: string } } } } => ({
  content: { 'application/json': { schema: ref(name) } },
});

/**
 * The OpenAPI 3.1 document of the API: every route with its request and response schemas (JSON Schema 2020-12
 * generated from the zod schemas above, so the document and the tests check the same shapes). The customer row
 * schema lists the served model's feature columns.
 */
export function buildOpenApiDocument({ model, maxRows, maxBodyBytes, apiKeyRequired }: OpenApiDocumentOptions): OpenApiDocument {
  const registry = z.registry<{ id: string }>();
  const customer = customerSchema(model);
  registry.add(customer, { id: 'Customer' });
  registry.add(
    z.object({ customers: z.array(customer).min(1).max(maxRows) }).describe(`1 to ${maxRows} customers; at most ${maxBodyBytes} bytes of JSON.`),
    { id: 'CustomersRequest' },
  );
  registry.add(predictResponseSchema, { id: 'PredictResponse' });
  registry.add(explainResponseSchema, { id: 'ExplainResponse' });
  registry.add(healthSchema, { id: 'Health' });
  registry.add(modelCardSchema, { id: 'ModelCard' });
  registry.add(errorBodySchema, { id: 'Error' });
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }).schemas;
  // Component schemas are embedded in the document: their own $schema/$id would only confuse readers.
  const schemas = Object.fromEntries(
    Object.entries(generated).map(([name, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [name, rest];
    }),
  );

  const error = (description: string): Record<string, unknown> => ({ description, ...jsonContent('Error') });
  const commonErrors = {
    ...(apiKeyRequired ? { 401: error('Missing or wrong x-api-key.') } : {}),
    405: error('Wrong method for this path; the Allow header lists the right ones.'),
    503: error('No model is loaded yet (no champion promoted).'),
    500: error('Unexpected failure (logged by the server).'),
  };
  const example = model === undefined ? undefined : { customers: [exampleCustomer(model)] };
  const customersBody = {
    required: true,
    content: { 'application/json': { schema: ref('CustomersRequest'), ...(example === undefined ? {} : { example }) } },
  };
  const scoringErrors = {
    400: error(
      'Invalid JSON, missing or empty customers, or invalid rows (a wrong value, or a row with no known feature column); details name each, e.g. customers[1].tenure or customers[3].',
    ),
    413: error(`Body over ${maxBodyBytes} bytes (room for ${maxRows} rows of this model's width) or more than ${maxRows} customers.`),
    ...commonErrors,
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Tandem scoring API',
      version: '1.0.0',
      description:
        'Scores customers with the served multi-task model (purchase intent, churn, cross-sell or the tasks it was trained for). ' +
        (model === undefined ? 'No model is loaded right now.' : `Serving model ${model.modelId}.`),
    },
    ...(apiKeyRequired ? { security: [{ apiKey: [] }] } : {}),
    paths: {
      '/v1/predict': {
        post: {
          operationId: 'predict',
          summary: 'Score customers: per task a score, a decision, a decile, and a segment.',
          requestBody: customersBody,
          responses: { 200: { description: 'One prediction per customer, in request order.', ...jsonContent('PredictResponse') }, ...scoringErrors },
        },
      },
      '/v1/explain': {
        post: {
          operationId: 'explain',
          summary: 'Reason codes: per customer and task, the 5 features that moved the score most (occlusion).',
          requestBody: customersBody,
          responses: { 200: { description: 'One explanation per customer, in request order.', ...jsonContent('ExplainResponse') }, ...scoringErrors },
        },
      },
      '/v1/model': {
        get: {
          operationId: 'getModel',
          summary: 'The model card: tasks, metrics, feature schema, dataset, training config, created time.',
          responses: { 200: { description: 'The served model card.', ...jsonContent('ModelCard') }, ...commonErrors },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Health: 200 while a model is loaded and served, 503 while none is (not ready to score). Never needs an API key.',
          security: [],
          responses: {
            200: { description: 'The server is up and serves a model.', ...jsonContent('Health') },
            405: error('Wrong method; the Allow header lists the right ones.'),
            503: error('No model is loaded yet (no champion promoted).'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document.',
          responses: { 200: { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/docs': {
        get: {
          operationId: 'docs',
          summary: 'A self-contained HTML page with the routes and a curl example for each.',
          responses: { 200: { description: 'HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
      },
    },
    components: {
      schemas,
      ...(apiKeyRequired ? { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } } : {}),
    },
  };
}

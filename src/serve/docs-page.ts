import type { LoadedModel } from '../model/model-artifacts.ts';
import { exampleCustomer } from './openapi-document.ts';

/** What the docs page shows. */
export interface DocsPageOptions {
  /** Origin the examples call, e.g. `http://127.0.0.1:8787`. */
  readonly baseUrl: string;
  /** The model served now, for an example row and the feature list; absent while none is loaded. */
  readonly model?: LoadedModel;
  readonly apiKeyRequired: boolean;
  readonly maxRows: number;
  readonly maxBodyBytes: number;
}

interface RouteDoc {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly summary: string;
  readonly body?: string;
  readonly open?: boolean;
}

/**
 * The `/docs` page: one self-contained HTML document (inline CSS, no script, no CDN, nothing fetched) listing every
 * route with a curl example that works against this server, the error format, and the served model's features.
 */
export function renderDocsPage({ baseUrl, model, apiKeyRequired, maxRows, maxBodyBytes }: DocsPageOptions): string {
  const body = JSON.stringify({ customers: [model === undefined ? { feature: 'value' } : exampleCustomer(model)] });
  const routes: RouteDoc[] = [
    { method: 'POST', path: '/v1/predict', summary: `Scores 1 to ${maxRows} customers: per task a score, decision and decile, plus a segment.`, body },
    { method: 'POST', path: '/v1/explain', summary: 'Per customer and task, the 5 features that moved the score most (occlusion).', body },
    { method: 'GET', path: '/v1/model', summary: 'The model card: tasks, metrics, feature schema, dataset, training config.' },
    { method: 'GET', path: '/healthz', summary: 'Health: 200 with the served model id while a model is loaded, 503 while none is.', open: true },
    { method: 'GET', path: '/openapi.json', summary: 'The OpenAPI 3.1 document with request and response schemas.' },
    { method: 'GET', path: '/docs', summary: 'This page.' },
  ];
  const sections = routes.map((route) => {
    const parts = [`curl -s${route.method === 'POST' ? ' -X POST' : ''} ${baseUrl}${route.path}`];
    if (apiKeyRequired && route.open !== true) parts.push(`-H "x-api-key: $TANDEM_API_KEY"`);
    if (route.body !== undefined) parts.push(`-H 'content-type: application/json'`, `-d ${shellQuote(route.body)}`);
    return `<section>
<h2><span class="method">${route.method}</span> ${escapeHtml(route.path)}</h2>
<p>${escapeHtml(route.summary)}</p>
<pre>${escapeHtml(parts.join(' \\\n  '))}</pre>
</section>`;
  });
  const features =
    model === undefined
      ? '<p>No model is loaded yet: promote a champion and reload this page.</p>'
      : `<table><thead><tr><th>column</th><th>kind</th><th>known values</th></tr></thead><tbody>
${model.card.features
  .map((f) => `<tr><td>${escapeHtml(f.name)}</td><td>${f.kind}</td><td>${escapeHtml((f.categories ?? []).join(', '))}</td></tr>`)
  .join('\n')}
</tbody></table>
<p>Missing or null values are imputed, but each row needs at least one of these columns; unknown categories share one bucket; other keys are ignored and listed in the response's <code>warnings</code> (with the likely intended name)${
          model.card.idColumn === null ? '' : `; <code>${escapeHtml(model.card.idColumn)}</code> is echoed as <code>id</code>`
        }.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem API</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
h1 { margin-bottom: 0; } h2 { font-size: 1.1rem; margin: 1.6rem 0 0.3rem; }
.method { display: inline-block; min-width: 3.2rem; font: 600 0.8rem monospace; color: #fff; background: #3b6ea8; border-radius: 3px; padding: 0.1rem 0.4rem; text-align: center; }
pre { background: #f3f5f7; border: 1px solid #dde1e5; border-radius: 4px; padding: 0.7rem; overflow-x: auto; font-size: 0.85rem; }
table { border-collapse: collapse; } td, th { border-bottom: 1px solid #dde1e5; padding: 0.25rem 0.8rem 0.25rem 0; text-align: left; }
</style>
</head>
<body>
<h1>Tandem API</h1>
<p>${model === undefined ? 'No model loaded.' : `Serving model <code>${escapeHtml(model.modelId)}</code>.`}${
    apiKeyRequired ? ' Every route but <code>/healthz</code> needs the header <code>x-api-key</code>.' : ''
  } Bodies up to ${maxBodyBytes} bytes.</p>
${sections.join('\n')}
<h2>Errors</h2>
<p>Every error is JSON with a stable code and, for bad input, the path of each field at fault:</p>
<pre>${escapeHtml('{"error":{"code":"invalid_rows","message":"…","details":[{"path":"customers[1].tenure","issue":"must be a number, got \\"abc\\""}]}}')}</pre>
<p>400 bad JSON or rows (a row with no known feature column too), ${apiKeyRequired ? '401 missing or wrong key, ' : ''}404 unknown route, 405 wrong method (see the <code>Allow</code> header), 413 body over ${maxBodyBytes} bytes (room for ${maxRows} rows of this model's width) or over ${maxRows} customers, 503 no model loaded (<code>/healthz</code> too).</p>
<h2>Features</h2>
${features}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Single-quotes a string for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

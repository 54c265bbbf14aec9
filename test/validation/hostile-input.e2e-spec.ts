import type { Response } from 'supertest';
import { adminAuth, createTenant, createTestApp, TestApp } from '../support/test-app';

interface Schema {
  type?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  $ref?: string;
}
interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json'?: { schema: Schema } } };
  'x-access'?: { kind: 'public' | 'platform' | 'tenant' };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** A value of the wrong JSON type for a property of this schema. */
function wrongTypeFor(schema: Schema): unknown {
  switch (schema.type) {
    case 'string':
      return 12345;
    case 'array':
      return 'not-an-array';
    case 'boolean':
      return 'yes';
    case 'integer':
    case 'number':
      return 'many';
    default:
      return ['unexpected'];
  }
}

const HOSTILE_QUERY_VALUES = [
  '',
  ' ',
  'x'.repeat(5000),
  'a\u0000b',
  '-1',
  '1e309',
  '999999999',
  "'; DROP TABLE users; --",
  '{"$gt":""}',
  // ISO 8601 forms a lax validator takes and the database does not
  '2024',
  '2024-W05',
  '+2024-01-01T00:00:00Z',
  '2024-01-01T10:00:00,5Z',
  '2024-02-30T00:00:00Z',
];

/**
 * Driven by the OpenAPI document, so every route present and future is covered: wrong types for
 * every body property, unknown fields, non-object bodies, malformed path ids and hostile query
 * values. Each answer must be a 4xx JSON error (never a 500), and a 400 must name the field.
 */

/** A well-formed id for the path parameters a probe does not aim at. */
const VALID_ID = '00000000-0000-4000-8000-000000000000';
describe('hostile input on every operation of the OpenAPI document', () => {
  let t: TestApp;
  let document: Document;
  let tenantHeaders: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http.get('/docs-json').expect(200)).body as Document;
    // Enterprise: every feature, so each body reaches validation (plans gate before it).
    const tenant = await createTenant(t.http, { tier: 'enterprise' });
    tenantHeaders = { ...adminAuth, 'X-Tenant-ID': tenant.id };
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  const resolve = (schema: Schema): Schema =>
    schema.$ref ? document.components.schemas[schema.$ref.split('/').pop() as string] : schema;

  const send = (
    method: string,
    path: string,
    operation: Operation,
    input: { query?: Record<string, string>; body?: unknown; raw?: string },
  ): Promise<Response> => {
    const kind = operation['x-access']?.kind;
    const headers = kind === 'tenant' ? tenantHeaders : kind === 'platform' ? adminAuth : {};
    let call = t.http[method as 'get' | 'post' | 'patch' | 'delete'](path).set(headers);
    if (input.query) call = call.query(input.query);
    if (input.raw !== undefined)
      call = call.set('Content-Type', 'application/json').send(input.raw);
    else if (input.body !== undefined) call = call.send(input.body as object);
    return call;
  };

  /** Returns a description of what was wrong, or null. */
  const judge = (response: Response, field: string | null): string | null => {
    if (response.status >= 500)
      return `answered ${response.status}: ${response.text.slice(0, 200)}`;
    // A browser route of the document (SSO start and callback) answers every outcome with a
    // redirect, a refusal included (to /app/login?error=…): no body to judge, only where it goes.
    if (response.status === 302) {
      return /^\/app\/login\?error=[a-z_]+$|^https?:\/\//.test(String(response.headers.location))
        ? null
        : `redirected to ${String(response.headers.location)}`;
    }
    if (!/application\/json/.test(String(response.headers['content-type']))) {
      return `answered ${response.status} without JSON`;
    }
    if (field === null) return null;
    if (response.status !== 400) return `answered ${response.status}, expected 400`;
    const fields = ((response.body.errors ?? []) as { field: string }[]).map((e) => e.field);
    return fields.includes(field) ? null : `400 named ${JSON.stringify(fields)}, not ${field}`;
  };

  it('refuses wrong types, unknown fields and non-object bodies with 400 naming the field', async () => {
    const problems: string[] = [];
    let probes = 0;
    for (const { path, method, operation } of operations()) {
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      if (!bodySchema) continue;
      const schema = resolve(bodySchema);
      const concrete = path.replace(/\{[A-Za-z_]+\}/g, VALID_ID);
      for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
        const response = await send(method, concrete, operation, {
          body: { [property]: wrongTypeFor(resolve(propertySchema)) },
        });
        probes += 1;
        const problem = judge(response, property);
        if (problem) problems.push(`${method.toUpperCase()} ${path} ${property}: ${problem}`);
        if (resolve(propertySchema).type === 'string') {
          const nul = await send(method, concrete, operation, { body: { [property]: 'a\u0000b' } });
          probes += 1;
          const nulProblem = judge(nul, property);
          if (nulProblem)
            problems.push(`${method.toUpperCase()} ${path} ${property} NUL: ${nulProblem}`);
        }
      }
      for (const [label, input, field] of [
        ['unknown field', { body: { definitely_not_a_field: 1 } }, 'definitely_not_a_field'],
        ['array body', { raw: '[]' }, 'body'],
        ['string body', { raw: '"text"' }, 'body'],
        ['broken JSON', { raw: '{"a":' }, 'body'],
      ] as const) {
        const response = await send(method, concrete, operation, input);
        probes += 1;
        const problem = judge(response, field);
        if (problem) problems.push(`${method.toUpperCase()} ${path} ${label}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(probes).toBeGreaterThan(40);
  });

  it('answers a malformed path id with 400 naming it', async () => {
    const problems: string[] = [];
    for (const { path, method, operation } of operations()) {
      for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'path')) {
        for (const bad of [
          'not-a-uuid',
          '1',
          "1' OR '1'='1",
          '00000000-0000-4000-8000-00000000000g',
        ]) {
          // The other path parameters are well-formed, so only this one can be refused.
          const concrete = path
            .replace(`{${parameter.name}}`, encodeURIComponent(bad))
            .replace(/\{[A-Za-z_]+\}/g, VALID_ID);
          const response = await send(
            method,
            concrete,
            operation,
            method === 'get' || method === 'delete' ? {} : { body: {} },
          );
          const problem = judge(response, parameter.name);
          if (problem)
            problems.push(`${method.toUpperCase()} ${path} ${parameter.name}=${bad}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('never answers a hostile query value with a 500, and names the parameter when it refuses', async () => {
    const problems: string[] = [];
    let probes = 0;
    for (const { path, method, operation } of operations()) {
      if (path.includes('{')) continue;
      for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
        for (const value of HOSTILE_QUERY_VALUES) {
          const response = await send(method, path, operation, {
            query: { [parameter.name]: value },
          });
          probes += 1;
          const problem = judge(response, response.status === 400 ? parameter.name : null);
          if (problem)
            problems.push(
              `${method.toUpperCase()} ${path} ?${parameter.name}=${value.slice(0, 20)}: ${problem}`,
            );
        }
        // The same parameter twice arrives as an array.
        const twice = await send(
          method,
          `${path}?${parameter.name}=1&${parameter.name}=2`,
          operation,
          {},
        );
        probes += 1;
        const problem = judge(twice, twice.status === 400 ? parameter.name : null);
        if (problem)
          problems.push(`${method.toUpperCase()} ${path} ?${parameter.name} twice: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(probes).toBeGreaterThan(50);
  });
});

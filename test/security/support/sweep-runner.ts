import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Probe } from './sweep-plan';
import type { Credential } from './sweep-fixture';

/** A hang guard, not a performance figure: no call may take longer than this. */
export const CALL_BUDGET_MS = 5_000;

export interface Call {
  probe: Probe;
  credential: Credential;
  /** The caller may use the route (false: it must be refused with 401 or 403). */
  reaches: boolean;
}

export interface Outcome {
  status: number | 'no answer';
  ms: number;
  problems: string[];
  /** The first bytes of the answer, for the report. */
  excerpt: string;
}

/** Sends one call and judges its answer against the project's error conventions. */
export async function runCall(
  http: TestAgent,
  call: Call,
  baselineFields: string[] = [],
): Promise<Outcome> {
  const { probe, credential } = call;
  const url = probe.query ? `${probe.path}?${probe.query}` : probe.path;
  let request = http[probe.operation.method](url)
    .set(credential.headers)
    .set(probe.headers ?? {})
    .timeout({ response: CALL_BUDGET_MS, deadline: CALL_BUDGET_MS });
  if (probe.body) {
    const body = probe.body();
    request = request.set('Content-Type', 'application/json');
    // superagent JSON-encodes a Buffer sent as application/json; compressed bodies go as bytes.
    if (Buffer.isBuffer(body)) request = request.serialize((bytes: unknown) => bytes as string);
    request = request.send(body);
  }
  const started = performance.now();
  let response: Response;
  try {
    response = await request;
  } catch (error) {
    const ms = performance.now() - started;
    const timedOut = (error as { timeout?: number }).timeout !== undefined;
    return {
      status: 'no answer',
      ms,
      problems: [
        timedOut
          ? `no answer within ${CALL_BUDGET_MS} ms`
          : `request failed: ${(error as Error).message}`,
      ],
      excerpt: '',
    };
  }
  const ms = performance.now() - started;
  return {
    status: response.status,
    ms,
    problems: judge(call, response, ms, baselineFields),
    excerpt: response.text?.slice(0, 300) ?? '',
  };
}

/** What is wrong with this answer, by the project's conventions (empty when nothing). */
export function judge(
  call: Call,
  response: Response,
  ms: number,
  baselineFields: string[] = [],
): string[] {
  const { probe } = call;
  const problems: string[] = [];
  const status = response.status;
  if (ms > CALL_BUDGET_MS) problems.push(`took ${Math.round(ms)} ms`);
  if (status >= 500) problems.push(`answered ${status}`);
  if (status < 300 && !call.reaches)
    problems.push(`${call.credential.kind} reached a route it may not (${status})`);
  if (status < 300 && probe.foreign) problems.push(`another tenant's resource answered ${status}`);
  // The body and query checks run before routing, so they may refuse input before the caller.
  if (!call.reaches && status >= 400 && status < 500 && ![400, 401, 403, 413, 415].includes(status))
    problems.push(`refused caller answered ${status}, not 401/403`);
  if (status >= 400 && !probe.html) {
    const json = /application\/json/.test(String(response.headers['content-type']));
    if (
      !json ||
      typeof response.body?.statusCode !== 'number' ||
      typeof response.body?.message !== 'string'
    ) {
      problems.push(`${status} without a JSON error body`);
    }
  }
  if (status === 400 && !probe.html)
    problems.push(...fieldProblems(probe, response, baselineFields));
  return problems;
}

const normalise = (field: string) => field.replace(/\[(\w+)\]/g, '.$1');

/** A 400 lists { field, message } errors, and names the field the probe changed. */
function fieldProblems(probe: Probe, response: Response, baselineFields: string[]): string[] {
  const errors: unknown = response.body?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return ['400 names no field'];
  const named = errors.map((e: { field?: unknown }) =>
    typeof e?.field === 'string' ? normalise(e.field) : '',
  );
  if (named.includes('request'))
    return ['a request value reached the database (400 naming "request")'];
  if (probe.fields.length === 0) return [];
  // A valid value gets the valid request's answer: when that is a 400 (POST /auth/password with
  // a token nobody has), it names the baseline's fields.
  const related = (field: string) =>
    baselineFields.includes(field) ||
    probe.fields.some((expected) => {
      const want = normalise(expected);
      return (
        field === want ||
        field.startsWith(`${want}.`) ||
        field.startsWith(`${want}[`) ||
        want.startsWith(`${field}.`)
      );
    });
  return named.some(related)
    ? []
    : [`400 named ${JSON.stringify(named.slice(0, 3))}, not ${probe.fields.join(' or ')}`];
}

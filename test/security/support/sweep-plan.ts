import { randomUUID } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import {
  Encoded,
  type Hostile,
  hostileBodyValues,
  hostileIds,
  hostileQueryValues,
  hostileRanges,
  nested,
  queryKind,
  RawJson,
  serialise,
} from './hostile-values';
import type { Schema, SweptOperation } from './openapi';

/** One request of the sweep: what it sends, and which field a 400 must name. */
export interface Probe {
  operation: SweptOperation;
  /** "query from", "body widgets.0.options.range_days", "path id", "body". */
  target: string;
  valueClass: string;
  label: string;
  path: string;
  query: string;
  /** Builds the body when sent (baselines hold fresh ids and slugs). */
  body?: () => string | Buffer;
  /** A 400 must name one of these (or a field inside them). */
  fields: string[];
  /** Another tenant's resource: any 2xx is a cross-tenant read or write. */
  foreign?: boolean;
  /** Extra request headers (a hostile X-Tenant-ID). */
  headers?: Record<string, string>;
  /** A browser route answering HTML: its refusals are pages, not JSON. */
  html?: boolean;
}

export interface PlanInput {
  now: number;
  resolve: (schema: Schema | undefined) => Schema;
  baseline?: () => Record<string, unknown>;
  /** Ids of the caller's own resources and another tenant's, by collection ("users"). */
  own: Record<string, string>;
  foreign: Record<string, string>;
}

const encode = (value: string | Encoded): string =>
  value instanceof Encoded ? value.text : encodeURIComponent(value);

/** A path with its parameters filled in: the given one hostile, the others as `defaults` has them. */
function fillPath(
  template: string,
  defaults: Record<string, string>,
  name: string,
  value: string | Encoded,
): string {
  return template.replace(/\{(\w+)\}/g, (_m, parameter: string) =>
    parameter === name ? encode(value) : (defaults[parameter] ?? randomUUID()),
  );
}

/** The collection a path id belongs to: /v1/users/{id} → users. */
function collectionOf(template: string): string {
  return /\/([\w-]+)\/\{id\}/.exec(template)?.[1] ?? '';
}

/** Every probe of one operation: path ids, query values, ranges, body fields, whole bodies. */
export function planProbes(operation: SweptOperation, input: PlanInput): Probe[] {
  const probes: Probe[] = [];
  const collection = collectionOf(operation.path);
  const ownId = input.own[collection];
  // The caller's own resource where the operation does not destroy it, else an id nobody has.
  const defaults: Record<string, string> = Object.fromEntries(
    operation.pathParameters.map(({ name }) => {
      const own = name === 'id' ? ownId : input.own[name];
      return [name, own && operation.method !== 'delete' ? own : randomUUID()];
    }),
  );
  const defaultPath = fillPath(operation.path, defaults, '', '');
  const baselineBody = input.baseline ? () => serialise(input.baseline!()) : undefined;
  const base = { operation, path: defaultPath, query: '', body: baselineBody };

  probes.push({
    ...base,
    target: 'baseline',
    valueClass: 'baseline',
    label: 'valid request',
    fields: [],
  });

  for (const parameter of operation.pathParameters) {
    const ids: Hostile<string | Encoded>[] = [...hostileIds()];
    const foreignId = input.foreign[collection];
    if (foreignId) {
      ids.push({ valueClass: 'other tenant id', label: "another tenant's id", value: foreignId });
      ids.push({
        valueClass: 'other tenant id',
        label: "another tenant's id, upper case",
        value: foreignId.toUpperCase(),
      });
    }
    for (const id of ids) {
      probes.push({
        ...base,
        path: fillPath(operation.path, defaults, parameter.name, id.value),
        target: `path ${parameter.name}`,
        valueClass: id.valueClass,
        label: id.label,
        // "path" when the router cannot even percent-decode it (the route is not known yet).
        fields: [parameter.name, 'path'],
        foreign: id.valueClass === 'other tenant id',
      });
    }
  }

  // Bounds of a range depend on each other (a `to` in 1970 puts the default `from` past
  // retention), and a range too long for the interval is the interval's fault: any may be named.
  const rangeParameters = operation.query
    .map((p) => p.name)
    .filter((name) => ['from', 'to', 'interval', 'periods'].includes(name));
  for (const parameter of operation.query) {
    const schema = input.resolve(parameter.schema);
    const kind = queryKind(parameter.name, schema, parameter.description);
    for (const hostile of hostileQueryValues(kind, schema, input.now)) {
      const value = hostile.value;
      const query = Array.isArray(value)
        ? value.map((v) => `${parameter.name}=${encode(v)}`).join('&')
        : value instanceof Encoded
          ? `${parameter.name}=${value.text.replace('__NAME__', parameter.name)}`
          : `${parameter.name}=${encode(value)}`;
      probes.push({
        ...base,
        query,
        target: `query ${parameter.name}`,
        valueClass: hostile.valueClass,
        label: hostile.label,
        fields: rangeParameters.includes(parameter.name) ? rangeParameters : [parameter.name],
      });
    }
  }
  const names = operation.query.map((p) => p.name);
  if (names.includes('from') && names.includes('to')) {
    for (const range of hostileRanges(input.now)) {
      probes.push({
        ...base,
        query: `from=${encode(range.value.from)}&to=${encode(range.value.to)}`,
        target: 'query from/to',
        valueClass: range.valueClass,
        label: range.label,
        fields: rangeParameters,
      });
    }
  }
  if (operation.query.length > 0 || operation.method === 'get') {
    probes.push({
      ...base,
      query: 'definitely_not_a_parameter=1',
      target: 'query',
      valueClass: 'unknown field',
      label: 'unknown parameter',
      fields: ['definitely_not_a_parameter'],
    });
  }

  if (operation.body && input.baseline) {
    probes.push(...bodyProbes(operation, input, base));
  }
  return probes;
}

type Base = Pick<Probe, 'operation' | 'path' | 'query'>;

function bodyProbes(operation: SweptOperation, input: PlanInput, base: Base): Probe[] {
  const probes: Probe[] = [];
  const root = input.resolve(operation.body);
  const baseline = input.baseline!;
  // A oneOf body (POST /v1/events: one event, or { events: [...] }): each shape on its own.
  const shapes: {
    schema: Schema;
    wrap: (inner: Record<string, unknown>) => Record<string, unknown>;
    prefix: string;
  }[] = root.oneOf
    ? root.oneOf.map((alternative) => {
        const schema = input.resolve(alternative);
        const list = Object.entries(schema.properties ?? {}).find(([, p]) => p.type === 'array');
        return list
          ? {
              schema: input.resolve(list[1].items),
              wrap: (inner) => ({ [list[0]]: [inner] }),
              prefix: `${list[0]}.0.`,
            }
          : { schema, wrap: (inner) => inner, prefix: '' };
      })
    : [{ schema: root, wrap: (inner) => inner, prefix: '' }];

  for (const shape of shapes) {
    for (const { path, schema } of propertyPaths(shape.schema, input.resolve, baseline())) {
      for (const hostile of hostileBodyValues(schema, input.now)) {
        probes.push({
          ...base,
          body: () => serialise(shape.wrap(withValue(baseline(), path, hostile.value))),
          target: `body ${shape.prefix}${path.join('.')}`,
          valueClass: hostile.valueClass,
          label: hostile.label,
          fields: nestsTooDeep(hostile.value, path.length + (shape.prefix ? 2 : 0))
            ? ['body']
            : [`${shape.prefix}${path.join('.')}`],
        });
      }
    }
    probes.push({
      ...base,
      body: () => serialise(shape.wrap({ ...baseline(), definitely_not_a_field: 1 })),
      target: 'body',
      valueClass: 'unknown field',
      label: 'unknown field',
      fields: [`${shape.prefix}definitely_not_a_field`],
    });
  }
  const whole: [string, string, string, () => string][] = [
    ['wrong type', 'array body', 'body', () => '[]'],
    ['wrong type', 'string body', 'body', () => '"text"'],
    ['wrong type', 'null body', 'body', () => 'null'],
    [
      'deep JSON',
      'body nested 32 deep',
      'definitely_not_a_field',
      () => serialise({ a: nested(31) }).replace('"a":', '"definitely_not_a_field":'),
    ],
    ['deep JSON', 'body nested 33 deep', 'body', () => serialise({ a: nested(32) })],
    [
      'deep JSON',
      'body nested 100,000 deep',
      'body',
      () => `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    ],
    [
      'object',
      '10,000 unknown fields',
      'k0',
      () =>
        serialise({
          ...baseline(),
          ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
        }),
    ],
    [
      'object',
      'prototype keys',
      '__proto__',
      () =>
        serialise({ ...baseline(), __proto__x: new RawJson('1') }).replace(
          '"__proto__x":1',
          '"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}',
        ),
    ],
    [
      'long string',
      'over the body limit (1.1 MB)',
      'body',
      () => serialise({ ...baseline(), padding: 'x'.repeat(1_100_000) }),
    ],
  ];
  for (const [valueClass, label, field, body] of whole) {
    probes.push({ ...base, body, target: 'body', valueClass, label, fields: [field, 'body'] });
  }
  // 50 MB of JSON in 50 KB: the body limit must hold for what the body inflates to.
  for (const [encoding, bomb] of compressionBombs()) {
    probes.push({
      ...base,
      body: () => bomb,
      headers: { 'Content-Encoding': encoding },
      target: 'body',
      valueClass: 'long string',
      label: `${encoding} bomb (50 MB inflated)`,
      fields: ['body'],
    });
  }
  return probes;
}

let bombs: [string, Buffer][] | undefined;
/** One JSON body of 50 MB, compressed each way the body parser inflates (made once). */
function compressionBombs(): [string, Buffer][] {
  if (!bombs) {
    const inflated = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.alloc(50_000_000, 0x61),
      Buffer.from('"}'),
    ]);
    bombs = [
      ['gzip', gzipSync(inflated)],
      ['deflate', deflateSync(inflated)],
      ['br', brotliCompressSync(inflated)],
    ];
  }
  return bombs;
}

/** True when `value`, placed inside `containers` objects/arrays, passes the 32-level limit. */
function nestsTooDeep(value: unknown, containers: number): boolean {
  return (
    value instanceof RawJson &&
    /^\[+\]+$/.test(value.text) &&
    containers + value.text.length / 2 > 32
  );
}

/** The body's property paths worth sweeping: each property, and the properties of nested objects. */
function propertyPaths(
  schema: Schema,
  resolve: (schema: Schema | undefined) => Schema,
  sample: unknown,
  prefix: string[] = [],
): { path: string[]; schema: Schema }[] {
  if (prefix.length > 4) return [];
  return Object.entries(schema.properties ?? {}).flatMap(([name, raw]) => {
    const property = resolve(raw);
    const path = [...prefix, name];
    const here = { path, schema: property };
    const value = (sample as Record<string, unknown> | undefined)?.[name];
    if (property.properties) return [here, ...propertyPaths(property, resolve, value, path)];
    const item = resolve(property.items);
    if (property.type === 'array' && item.properties && Array.isArray(value) && value.length > 0) {
      return [here, ...propertyPaths(item, resolve, value[0], [...path, '0'])];
    }
    return [here];
  });
}

/** A copy of `body` with the value at `path` replaced (objects on the way created). */
function withValue(
  body: Record<string, unknown>,
  path: string[],
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  for (const step of path.slice(0, -1)) {
    if (typeof node[step] !== 'object' || node[step] === null) node[step] = {};
    node = node[step] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
}

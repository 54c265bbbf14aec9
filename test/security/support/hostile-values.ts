import { randomUUID } from 'node:crypto';
import type { Schema } from './openapi';

/**
 * Extreme values, by class, for every kind of input the OpenAPI document describes. Each value
 * carries its class ("number", "unicode", ...) so the sweep can say what it covered.
 */
export interface Hostile<T> {
  valueClass: string;
  label: string;
  value: T;
}

/** JSON text spliced verbatim into a body: numbers JSON.stringify cannot write (2^53+1, 1e309). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A query or path value already percent-encoded: bytes encodeURIComponent refuses to produce. */
export class Encoded {
  constructor(readonly text: string) {}
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** 10 KB and 1 MB, the latter just under the 1 MB body limit once quoted. */
export const KB10 = 'x'.repeat(10_000);
const MB1 = 'x'.repeat(1_000_000);
const MB1_EMOJI = '😀'.repeat(249_000);

const UNICODE: [string, string][] = [
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udc00'],
  ['right-to-left override', '\u202egnp.exe'],
  ['NUL', 'a\u0000b'],
  ['emoji ZWJ family', '👩‍👩‍👧‍👦'],
  ['combining marks', `a${'\u0301'.repeat(2000)}`],
  ['zero-width and BOM', '\ufeff\u200b\u200d'],
  ['line separators', 'a\u2028b\u2029c'],
  ['fullwidth and homoglyph', 'ａｄｍｉｎ аdmin'],
];

const INJECTION: [string, string][] = [
  ['SQL quote', "x' OR '1'='1"],
  ['ClickHouse escape', "\\' , 1) --"],
  ['template and path', '${7*7}../../etc/passwd{{7*7}}'],
];

/** Strings of every extreme, for a body string property. */
function hostileStrings(): Hostile<unknown>[] {
  return [
    { valueClass: 'string', label: 'empty', value: '' },
    { valueClass: 'string', label: 'blank', value: '   ' },
    { valueClass: 'long string', label: '10 KB', value: KB10 },
    { valueClass: 'long string', label: '1 MB', value: MB1 },
    { valueClass: 'long string', label: '1 MB of emoji', value: MB1_EMOJI },
    ...UNICODE.map(([label, value]) => ({ valueClass: 'unicode', label, value })),
    ...INJECTION.map(([label, value]) => ({ valueClass: 'injection', label, value })),
  ];
}

/** Numbers at the edges, as JSON numbers (raw where JSON.stringify would change them). */
function hostileNumbers(): Hostile<unknown>[] {
  return [
    { valueClass: 'number', label: '0', value: 0 },
    { valueClass: 'number', label: '-1', value: -1 },
    { valueClass: 'number', label: '-0', value: new RawJson('-0') },
    { valueClass: 'number', label: '1.5', value: 1.5 },
    { valueClass: 'number', label: '2^31', value: 2 ** 31 },
    { valueClass: 'number', label: '2^53+1', value: new RawJson('9007199254740993') },
    { valueClass: 'number', label: '1e308', value: 1e308 },
    { valueClass: 'number', label: '-1e308', value: -1e308 },
    { valueClass: 'number', label: '1e309 (Infinity once parsed)', value: new RawJson('1e309') },
    { valueClass: 'number', label: '5e-324', value: 5e-324 },
    { valueClass: 'number', label: '"NaN"', value: 'NaN' },
    { valueClass: 'number', label: '"Infinity"', value: 'Infinity' },
  ];
}

/** Values of every JSON type: each is the wrong type for most properties. */
function wrongTypes(): Hostile<unknown>[] {
  return [
    { valueClass: 'wrong type', label: 'null', value: null },
    { valueClass: 'wrong type', label: 'true', value: true },
    { valueClass: 'wrong type', label: 'number', value: 12345 },
    { valueClass: 'wrong type', label: 'string', value: 'text' },
    { valueClass: 'wrong type', label: 'array', value: ['a', 1] },
    { valueClass: 'wrong type', label: 'object', value: { $gt: '' } },
  ];
}

/** JSON nested `levels` deep as a property value (the body itself adds one level). */
export function nested(levels: number): RawJson {
  return new RawJson(`${'['.repeat(levels)}${']'.repeat(levels)}`);
}

function hostileDates(now: number): Hostile<unknown>[] {
  return [
    ['year 1', '0001-01-01T00:00:00Z'],
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['expanded year', '+275760-09-13T00:00:00Z'],
    ['epoch', '1970-01-01T00:00:00Z'],
    ['Feb 30', '2024-02-30T00:00:00Z'],
    ['leap second', '2016-12-31T23:59:60Z'],
    ['hour 24', '2024-01-01T24:00:00Z'],
    ['offset +14:00', iso(now).replace('Z', '+14:00')],
    ['nanoseconds', '2024-01-01T00:00:00.123456789Z'],
    ['date only', '2024-01-01'],
    ['now', iso(now)],
    ['two days ahead', iso(now + 2 * DAY)],
  ].map(([label, value]) => ({ valueClass: 'date', label, value }));
}

/** from/to pairs: huge, reversed, empty and just-past-retention ranges. */
export function hostileRanges(now: number): Hostile<{ from: string; to: string }>[] {
  return [
    ['year 1 to 9999', '0001-01-01T00:00:00Z', '9999-12-31T00:00:00Z'],
    ['80 days ago to 9999', iso(now - 80 * DAY), '9999-12-31T00:00:00Z'],
    ['year 1 to now', '0001-01-01T00:00:00Z', iso(now)],
    ['reversed', iso(now), iso(now - DAY)],
    ['reversed across years', '9999-12-31T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['empty', iso(now), iso(now)],
    ['one millisecond', iso(now - 1), iso(now)],
    ['729 days to a day ahead', iso(now - 729 * DAY), iso(now + DAY - 1000)],
    ['731 days', iso(now - 731 * DAY), iso(now)],
    ['two years of minutes', iso(now - 730 * DAY), iso(now)],
  ].map(([label, from, to]) => ({ valueClass: 'range', label, value: { from, to } }));
}

export type QueryKind = 'date' | 'number' | 'enum' | 'boolean' | 'uuid' | 'string';

/** What a query parameter holds, from its schema or, where the schema is empty, its name. */
export function queryKind(name: string, schema: Schema, description = ''): QueryKind {
  if (schema.enum) return 'enum';
  if (schema.format === 'date-time' || /RFC 3339|ISO 8601/.test(description)) return 'date';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'integer' || schema.type === 'number' || typeof schema.example === 'number')
    return 'number';
  if (schema.format === 'uuid') return 'uuid';
  if (['from', 'to'].includes(name)) return 'date';
  return 'string';
}

/** Query string values (percent-encoded by the sweep unless Encoded). */
export function hostileQueryValues(
  kind: QueryKind,
  schema: Schema,
  now: number,
): Hostile<string | Encoded | string[]>[] {
  const common: Hostile<string | Encoded | string[]>[] = [
    { valueClass: 'string', label: 'empty', value: '' },
    { valueClass: 'long string', label: '10 KB', value: KB10 },
    {
      valueClass: 'unicode',
      label: 'emoji ×600 (about 10 KB encoded)',
      value: '👩‍👩'.repeat(100),
    },
    {
      valueClass: 'unicode',
      label: 'invalid UTF-8 (lone surrogate)',
      value: new Encoded('%ED%A0%80'),
    },
    { valueClass: 'unicode', label: 'broken percent escape', value: new Encoded('%E0%A4%') },
    { valueClass: 'unicode', label: 'right-to-left override', value: '\u202e2024' },
    { valueClass: 'unicode', label: 'combining marks', value: `a${'\u0301'.repeat(500)}` },
    { valueClass: 'wrong type', label: 'repeated (array)', value: ['1', '2'] },
    { valueClass: 'wrong type', label: 'nested object', value: new Encoded('x&__NAME__[$gt]=') },
    // qs turns an index past 20 into an object key: a sparse "array" of one element.
    { valueClass: 'list', label: 'sparse array index', value: new Encoded('x&__NAME__[999999]=1') },
    {
      valueClass: 'list',
      label: '100 repeats',
      value: Array.from({ length: 100 }, (_, i) => String(i)),
    },
    ...INJECTION.map(([label, value]) => ({ valueClass: 'injection', label, value })),
  ];
  const numbers = [
    '0',
    '-1',
    '-0',
    '1.5',
    '2147483648',
    '9007199254740993',
    '1e308',
    '1e309',
    'NaN',
    'Infinity',
    '-Infinity',
    '0x10',
    ' 7',
  ];
  switch (kind) {
    case 'number':
      return [
        ...numbers.map((value) => ({ valueClass: 'number', label: value, value })),
        ...common,
      ];
    case 'date':
      return [
        ...(hostileDates(now) as Hostile<string>[]),
        ...numbers.slice(0, 6).map((value) => ({ valueClass: 'number', label: value, value })),
        ...common,
      ];
    case 'enum':
      return [
        { valueClass: 'enum', label: 'upper case', value: String(schema.enum![0]).toUpperCase() },
        { valueClass: 'enum', label: 'unknown', value: 'definitely-not-a-member' },
        ...common,
      ];
    case 'boolean':
      return [
        ...['yes', '2', 'TRUE', 'null'].map((value) => ({
          valueClass: 'wrong type',
          label: value,
          value,
        })),
        ...common,
      ];
    case 'uuid':
      return [...hostileIds().map((h) => ({ ...h, valueClass: 'id' })), ...common];
    default:
      return [
        { valueClass: 'string', label: 'plain', value: 'sweep' },
        { valueClass: 'unicode', label: 'NUL', value: 'a\u0000b' },
        ...common,
      ];
  }
}

/** Path ids that are not UUIDs, or UUIDs nobody has (the sweep adds other tenants' real ones). */
export function hostileIds(): Hostile<string | Encoded>[] {
  return [
    ['not a UUID', 'not-a-uuid'],
    ['number', '1'],
    ['negative', '-1'],
    ['nil UUID', '00000000-0000-0000-0000-000000000000'],
    ['max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['random UUID', randomUUID()],
    ['upper-case UUID', randomUUID().toUpperCase()],
    ['braced UUID', `{${randomUUID()}}`],
    ['UUID with trailing text', `${randomUUID()}x`],
    ['SQL', "1' OR '1'='1"],
    ['10 KB', KB10],
  ]
    .map(([label, value]): Hostile<string | Encoded> => ({ valueClass: 'id', label, value }))
    .concat([
      { valueClass: 'id', label: 'NUL', value: new Encoded('%00') },
      { valueClass: 'id', label: 'dot dot', value: new Encoded('%2e%2e') },
      { valueClass: 'id', label: 'encoded slash', value: new Encoded('a%2Fb') },
      { valueClass: 'unicode', label: 'invalid UTF-8', value: new Encoded('%ED%A0%80') },
      { valueClass: 'unicode', label: 'emoji', value: '😀' },
    ]);
}

/** Values for one body property, chosen by its schema. */
export function hostileBodyValues(schema: Schema, now: number): Hostile<unknown>[] {
  const values: Hostile<unknown>[] = [...wrongTypes()];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (schema.enum) {
    values.push(
      { valueClass: 'enum', label: 'unknown member', value: 'definitely-not-a-member' },
      { valueClass: 'enum', label: 'upper case', value: String(schema.enum[0]).toUpperCase() },
    );
  }
  if (type === 'string' || (!type && !schema.enum)) {
    values.push(...hostileStrings());
    if (schema.format === 'date-time' || schema.format === 'rfc3339')
      values.push(...hostileDates(now));
    if (schema.format === 'uuid')
      values.push(
        ...(hostileIds() as Hostile<unknown>[]).filter((h) => !(h.value instanceof Encoded)),
      );
  }
  if (type === 'number' || type === 'integer') values.push(...hostileNumbers());
  if (type === 'array') {
    const item = schema.items?.enum?.[0] ?? (schema.items?.type === 'string' ? 'x' : {});
    const max = schema.maxItems ?? 1000;
    values.push(
      { valueClass: 'list', label: 'empty list', value: [] },
      {
        valueClass: 'list',
        label: `max size (${max})`,
        value: Array.from({ length: max }, (_, i) => distinct(item, i)),
      },
      {
        valueClass: 'list',
        label: `over max (${max + 1})`,
        value: Array.from({ length: max + 1 }, (_, i) => distinct(item, i)),
      },
      {
        valueClass: 'list',
        label: '100,000 items',
        value: new RawJson(`[${'1,'.repeat(99_999)}1]`),
      },
      { valueClass: 'list', label: 'list of wrong types', value: [null, 1, true, [], {}] },
      { valueClass: 'list', label: 'duplicates', value: [item, item, item] },
    );
  }
  if (type === 'object' || schema.additionalProperties) {
    values.push(
      { valueClass: 'object', label: 'empty object', value: {} },
      {
        valueClass: 'object',
        label: '10,000 keys',
        value: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
      },
      {
        valueClass: 'object',
        label: 'prototype keys',
        value: new RawJson('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
      },
      {
        valueClass: 'object',
        label: 'hostile keys',
        value: { '': 1, 'a"b': 2, 'a\\b': 3, 'a\u0000b': 4, [KB10]: 5 },
      },
    );
  }
  values.push(
    { valueClass: 'deep JSON', label: 'nested 31 (depth 32 with the body)', value: nested(31) },
    { valueClass: 'deep JSON', label: 'nested 32 (depth 33 with the body)', value: nested(32) },
  );
  return values;
}

/** Items of a max-size list made distinct where the list refuses duplicates. */
function distinct(item: unknown, index: number): unknown {
  return typeof item === 'string' && !/^[a-z_]+:[a-z]+$/.test(item) ? `${item}${index}` : item;
}

/** Serialises a body, splicing RawJson texts in verbatim. */
export function serialise(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return value;
  });
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)]);
}

/** The parts of the app's OpenAPI document the sweep reads. */
export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  example?: unknown;
  description?: string;
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  description?: string;
  schema?: Schema;
}

export type AccessKind =
  { kind: 'public' } | { kind: 'platform' } | { kind: 'tenant'; permissions: string[] };

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json'?: { schema: Schema } } };
  'x-access'?: AccessKind;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface SweptOperation {
  /** "GET /v1/users/{id}" */
  key: string;
  method: Method;
  path: string;
  access: AccessKind;
  query: Parameter[];
  pathParameters: Parameter[];
  headers: Parameter[];
  body?: Schema;
}

export function operationsOf(document: OpenApiDocument): SweptOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method as Method,
      path,
      access: operation['x-access'] ?? { kind: 'public' },
      query: (operation.parameters ?? []).filter((p) => p.in === 'query'),
      pathParameters: (operation.parameters ?? []).filter((p) => p.in === 'path'),
      headers: (operation.parameters ?? []).filter((p) => p.in === 'header'),
      body: operation.requestBody?.content['application/json']?.schema,
    })),
  );
}

/** Follows $ref and single-element allOf, so callers see the schema's own keywords. */
export function resolver(document: OpenApiDocument): (schema: Schema | undefined) => Schema {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').pop()!]);
    if (schema.allOf?.length === 1)
      return { ...resolve(schema.allOf[0]), ...omit(schema, 'allOf') };
    return schema;
  };
  return resolve;
}

function omit(schema: Schema, key: keyof Schema): Schema {
  const copy = { ...schema };
  delete copy[key];
  return copy;
}

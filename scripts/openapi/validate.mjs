// Validates an OpenAPI 3.1 document (a file path, or JSON on stdin): the document against the
// OpenAPI 3.1 schema with every $ref resolved (@seriousme/openapi-schema-validator), then every
// schema in it against the JSON Schema 2020-12 meta-schema (ajv; the OpenAPI schema checks only
// the document's own structure), and every `pattern` as a Unicode regular expression. Prints
// { valid, version, errors } as JSON and exits non-zero when anything fails. An ES module of
// its own because the validator is one (Jest runs our TypeScript as CommonJS).
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';

const source = process.argv[2];
const document = JSON.parse(readFileSync(source ?? 0, 'utf8'));
const validator = new Validator({ strict: true });
const result = await validator.validate(document);
const errors = [...(result.errors ?? [])];

// OpenAPI's own keywords (discriminator, xml, externalDocs, example) and x- extensions are not
// JSON Schema's: strict mode off lets them through, the meta-schema still checks the rest.
const ajv = new Ajv2020({ strict: false, validateFormats: false });
for (const [pointer, schema] of schemasOf(document)) {
  if (!ajv.validateSchema(schema)) {
    for (const error of ajv.errors ?? []) errors.push({ schema: pointer, ...error });
  }
  for (const [at, pattern] of patternsOf(schema, pointer)) {
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      errors.push({ schema: at, keyword: 'pattern', message: String(error) });
    }
  }
}

const valid = result.valid && errors.length === 0;
console.log(JSON.stringify({ valid, version: validator.version, errors }));
process.exit(valid ? 0 : 1);

/** Every schema object the document holds, with its JSON pointer. */
function* schemasOf(doc) {
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    yield [`#/components/schemas/${name}`, schema];
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const at = `#/paths/${path}/${method}`;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema) yield [`${at}/parameters/${parameter.name}`, parameter.schema];
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (media.schema) yield [`${at}/requestBody/${type}`, media.schema];
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.schema) yield [`${at}/responses/${status}/${type}`, media.schema];
        }
        for (const [name, header] of Object.entries(response.headers ?? {})) {
          if (header.schema) yield [`${at}/responses/${status}/headers/${name}`, header.schema];
        }
      }
    }
  }
}

/** Every `pattern` keyword inside a schema (not inside examples). */
function* patternsOf(schema, pointer) {
  if (!schema || typeof schema !== 'object') return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'examples') continue;
    if (key === 'pattern' && typeof value === 'string') yield [pointer, value];
    else yield* patternsOf(value, `${pointer}/${key}`);
  }
}

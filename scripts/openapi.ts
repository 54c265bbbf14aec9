// `npm run openapi`: writes the API's OpenAPI document to docs/openapi.json, validates it, and
// generates the typed client's types (src/api-client/schema.d.ts) from it. No server is needed:
// Nest builds the module graph in preview mode (no provider runs, nothing connects), which is
// all the document is read from. test/docs/openapi-document.e2e-spec.ts checks that both
// committed files equal what the running app serves.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { createOpenApiDocument } from '../src/openapi/openapi-document';

export const DOCUMENT_PATH = 'docs/openapi.json';
export const TYPES_PATH = 'src/api-client/schema.d.ts';

/** Variables the environment schema requires; their values never reach the document. */
const PLACEHOLDERS: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_HOST: '127.0.0.1',
  DATABASE_NAME: 'tenantry',
  DATABASE_APP_USER: 'tenantry_app',
  DATABASE_APP_PASSWORD: 'unused',
  DATABASE_PLATFORM_USER: 'tenantry_platform',
  DATABASE_PLATFORM_PASSWORD: 'unused',
  JWT_SECRET: 'unused-unused-unused-unused-unused-unused',
};

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  for (const [name, value] of Object.entries(PLACEHOLDERS)) process.env[name] ??= value;
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = createOpenApiDocument(app);
  const documentPath = join(root, DOCUMENT_PATH);
  writeFileSync(documentPath, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${DOCUMENT_PATH} (OpenAPI ${document.openapi})`);
  execFileSync(process.execPath, [join(root, 'scripts/openapi/validate.mjs'), documentPath], {
    stdio: 'inherit',
  });
  mkdirSync(dirname(join(root, TYPES_PATH)), { recursive: true });
  execFileSync(
    process.execPath,
    [join(root, 'scripts/openapi/generate-types.mjs'), documentPath, join(root, TYPES_PATH)],
    { stdio: 'inherit' },
  );
  console.log(`wrote ${TYPES_PATH}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { answerClientErrorsAsJson } from './common/http-client-error';
import { keepIdleConnectionsOpen } from './common/http-keep-alive';
import { jsonBody } from './common/json-body';
import { abortWhenClientLeaves } from './common/request-abort';
import { rejectUnacceptableQuery } from './common/unacceptable-input';
import { assignRequestId } from './logging/request-id';
import { createOpenApiDocument } from './openapi/openapi-document';
import type { Environment } from './config/environment';

/**
 * Everything main.ts and the tests both apply to the app, so tests exercise the same stack:
 * body limits, JSON logger, Swagger at /docs and /docs-json, shutdown hooks.
 */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  app.useLogger(app.get(Logger));
  app.use(assignRequestId);
  app.use(rejectUnacceptableQuery);
  app.use(...jsonBody(config.get('HTTP_BODY_LIMIT', { infer: true })));
  app.use(abortWhenClientLeaves);
  app.disable('x-powered-by');
  answerClientErrorsAsJson(app.getHttpServer());
  keepIdleConnectionsOpen(
    app.getHttpServer(),
    config.get('HTTP_KEEP_ALIVE_SECONDS', { infer: true }),
  );
  const trustProxy = config.get('TRUST_PROXY', { infer: true });
  if (trustProxy) {
    // Behind a proxy: request.secure and request.ip come from its X-Forwarded-* headers.
    app.set(
      'trust proxy',
      /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy.split(',').map((v) => v.trim()),
    );
  }
  app.enableShutdownHooks();

  // Built on the first request to /docs or /docs-json, not at boot: walking every route's
  // decorators costs most of a second, which every app start (and every test app) would pay.
  SwaggerModule.setup('docs', app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}

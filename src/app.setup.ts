import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { jsonBody } from './common/json-body';
import { assignRequestId } from './logging/request-id';
import type { Environment } from './config/environment';

/**
 * Everything main.ts and the tests both apply to the app, so tests exercise the same stack:
 * body limits, JSON logger, Swagger at /docs and /docs-json, shutdown hooks.
 */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get<ConfigService<Environment, true>>(ConfigService);
  app.useLogger(app.get(Logger));
  app.use(assignRequestId);
  app.use(...jsonBody(config.get('HTTP_BODY_LIMIT', { infer: true })));
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tenantry API')
      .setDescription(
        'Multi-tenant analytics platform. /admin routes take a platform admin token; ' +
          '/v1 routes take a tenant credential and act on that tenant only.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' }, 'platform-admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'tenant-token')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

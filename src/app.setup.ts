import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { jsonBody } from './common/json-body';
import { abortWhenClientLeaves } from './common/request-abort';
import { rejectUnacceptableQuery } from './common/unacceptable-input';
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
  app.use(rejectUnacceptableQuery);
  app.use(...jsonBody(config.get('HTTP_BODY_LIMIT', { infer: true })));
  app.use(abortWhenClientLeaves);
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tenantry API')
      .setDescription(
        'Multi-tenant analytics platform. /admin routes take a platform admin token ' +
          '(POST /auth/admin/login); /v1 routes take a tenant credential (a user access token ' +
          'from POST /auth/login, or an API key) and act on that tenant only. Each operation ' +
          'states who may call it in `x-access`: public, platform, or tenant with the ' +
          'permissions it needs.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'platform-admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'tenant-token')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'tk_… key (also accepted as Authorization: Bearer)',
        },
        'api-key',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

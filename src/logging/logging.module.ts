import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Environment } from '../config/environment';
import { redactingErrorSerializer, redactUrl } from './credential-redaction';
import { requestIdOf } from './request-id';

/** Where JSON log lines go: stdout, or a stream a test swaps in to read them. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

@Global()
@Module({
  providers: [{ provide: LOG_DESTINATION, useValue: process.stdout }],
  exports: [LOG_DESTINATION],
})
class LogDestinationModule {}

/**
 * Structured JSON logs (pino): one line per request with its request id, and the tenant id
 * once the auth guard resolved it; every log made while serving the request carries both.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      imports: [LogDestinationModule],
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: ConfigService<Environment, true>, destination: DestinationStream) => ({
        assignResponse: true,
        pinoHttp: [
          {
            level: config.get('LOG_LEVEL', { infer: true }),
            base: { service: 'tenantry' },
            genReqId: requestIdOf,
            customAttributeKeys: { reqId: 'request_id' },
            // Bind only the request id to every line; the full req/res goes on the completion line.
            quietReqLogger: true,
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers["x-api-key"]',
                'req.headers.cookie',
              ],
              censor: '[redacted]',
            },
            // Credentials in URLs (a guest token in ?token=, a key pasted into a query) never
            // reach a log line: the access log's URL and any error quoting one are redacted.
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
              err: redactingErrorSerializer,
            },
          },
          destination,
        ],
      }),
    }),
  ],
})
export class LoggingModule {}

import { Injectable, NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';

export const HTTP_REQUEST_DURATION = 'http_request_duration_seconds';

/**
 * Times every request, labelled by method, matched route template and status. The route is the
 * template (`/v1/users/:id`), never the raw URL, and there is no tenant label: thousands of
 * tenants must not become thousands of series.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stop = this.duration.startTimer();
    response.on('finish', () => {
      const template = (request.route as { path?: string } | undefined)?.path;
      stop({
        method: request.method,
        route: template ? `${request.baseUrl}${template}` : 'unmatched',
        status: String(response.statusCode),
      });
    });
    next();
  }
}

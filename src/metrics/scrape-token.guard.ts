import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { Environment } from '../config/environment';
import { carriesScrapeToken, SCRAPE_CHALLENGE } from './scrape-token';

/** GET /metrics on the API port: only a scraper holding METRICS_TOKEN. */
@Injectable()
export class ScrapeTokenGuard implements CanActivate {
  constructor(private readonly config: ConfigService<Environment, true>) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    if (
      carriesScrapeToken(
        http.getRequest<Request>(),
        this.config.get('METRICS_TOKEN', { infer: true }),
      )
    ) {
      return true;
    }
    http.getResponse<Response>().setHeader('WWW-Authenticate', SCRAPE_CHALLENGE);
    throw new UnauthorizedException('A metrics scrape token is required');
  }
}

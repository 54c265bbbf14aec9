import { Controller, Get, Res, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { ACCESS_POLICY } from '../tenancy/scope/access-policy';
import { ScrapeTokenGuard } from './scrape-token.guard';

/**
 * Prometheus scrape endpoint on the API port. Not public: counters such as the cross-tenant
 * attempts move when a caller guesses another tenant's id, so only a scraper holding
 * METRICS_TOKEN may read them (or use METRICS_PORT, a loopback listener). Left out of the
 * OpenAPI document: it is an operations endpoint, not part of the API.
 */
@ApiExcludeController()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @SetMetadata(ACCESS_POLICY, { kind: 'scrape' })
  @UseGuards(ScrapeTokenGuard)
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Public } from '../auth/access-policy';

/** Prometheus scrape endpoint. Public like /health: it carries no tenant data (no tenant labels). */
@ApiTags('operations')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics: process, and HTTP requests by route and status' })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}

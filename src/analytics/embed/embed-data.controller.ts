import { Controller, Get, HttpCode, Options, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../tenancy/scope/access-policy';
import { bearerToken } from '../../tenancy/scope/bearer-token';
import { isEmbedOrigin } from '../../branding/embed-origin';
import { isUuid } from '../../common/uuid';
import { EntitlementsService } from '../../billing/plans/entitlements.service';
import { CostedQuery } from '../cost/costed-query.decorator';
import { chargeQueryTo } from '../cost/query-cost.interceptor';
import { WidgetRunner } from '../dashboards/widget.runner';
import { canonicalJson } from '../cache/normalised-query';
import { currentCacheOutcome } from '../fair/cache-outcome';
import { FairQuery } from '../fair/fair-query.decorator';
import { FairQueryService } from '../fair/fair-query.service';
import { DAY_MS } from '../query/range-limits';
import { EmbedAccessService } from './embed-access.service';
import { allowEmbedOrigin } from './embed-headers';
import { EmbedRefusal } from './guest-token-claims';

/**
 * The query API's embed face: one widget's numbers for a guest token. Where /v1/analytics/*
 * takes any query from a tenant credential, this runs only a query stored on the token's
 * dashboard (the widget, by id), with the token's property filters forced on, in the token's
 * tenant's RLS transaction, through the same analytics store port. So a guest token reads
 * exactly its dashboard's widgets and nothing else, whatever it sends.
 *
 * Refusals are JSON like every API error: 401 (no, bad or expired token), 403 (token for another
 * dashboard, tenant not active), 404 (no such dashboard or widget for this token).
 */
@ApiExcludeController()
@Controller('embed/api')
export class EmbedDataController {
  constructor(
    private readonly access: EmbedAccessService,
    private readonly runner: WidgetRunner,
    private readonly entitlements: EntitlementsService,
    private readonly fair: FairQueryService,
  ) {}

  @FairQuery()
  @Get('dashboards/:id/widgets/:widgetId')
  @Public()
  @CostedQuery('embed_widget')
  async widget(
    @Param('id') id: string,
    @Param('widgetId') widgetId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Vary', 'Origin');
    try {
      const data = await this.access.open(
        bearerToken(request),
        id,
        request,
        async ({ claims, tenant, dashboard, branding, timezone }) => {
          allowEmbedOrigin(response, request.headers.origin, branding.embedOrigins);
          const widget = isUuid(widgetId)
            ? dashboard.widgets.find((w) => w.id === widgetId.toLowerCase())
            : undefined;
          if (!widget) throw new EmbedRefusal('not_found');
          // The query cost log charges the token's tenant for this widget's query.
          chargeQueryTo(request, tenant);
          const scope = {
            tenantId: tenant.id,
            timezone,
            retentionDays: (await this.entitlements.termsOf(tenant)).dataRetentionDays,
            properties: Object.entries(claims.filters),
            now: Date.now(),
          };
          // The widget reads up to twice its range back (a KPI's period before) until now.
          const { now, ...question } = scope;
          return this.fair.answer({
            tenant,
            route: 'embed_widget',
            normalised: `embed_widget:${canonicalJson({ widget, ...question })}`,
            reads: {
              from: new Date(now - 2 * widget.options.range_days * DAY_MS),
              to: new Date(now + 1000),
            },
            compute: () => this.runner.run(widget, scope),
          });
        },
      );
      response.setHeader('X-Cache', currentCacheOutcome());
      response.status(200).json(data);
    } catch (error) {
      if (!(error instanceof EmbedRefusal)) throw error;
      if (error.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="embed"');
      response.status(error.status).json({
        statusCode: error.status,
        error:
          error.status === 401 ? 'Unauthorized' : error.status === 403 ? 'Forbidden' : 'Not Found',
        message: error.message,
        reason: error.reason,
        requestId: request.id,
      });
    }
  }

  /**
   * CORS preflight (a cross-origin fetch with an Authorization header sends one, without the
   * token, so the tenant is not known yet). It only lets the browser send the GET; whether the
   * page may read the answer is decided by that answer's Access-Control-Allow-Origin, which
   * names the origin only when it is one of the token's tenant's embed_origins. The GET reads
   * nothing it should not for whoever sends it, so permitting the send is harmless.
   */
  @Options('dashboards/:id/widgets/:widgetId')
  @Public()
  @HttpCode(204)
  preflight(@Req() request: Request, @Res() response: Response): void {
    const origin = request.headers.origin;
    response.setHeader('Vary', 'Origin');
    if (isEmbedOrigin(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Methods', 'GET');
      response.setHeader('Access-Control-Allow-Headers', 'Authorization');
      response.setHeader('Access-Control-Max-Age', '600');
    }
    response.status(204).end();
  }
}

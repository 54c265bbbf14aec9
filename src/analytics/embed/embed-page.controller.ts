import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { Public } from '../../tenancy/scope/access-policy';
import { DEFAULT_BRANDING } from '../../branding/tenant-branding.entity';
import { EmbedAccessService } from './embed-access.service';
import { EmbedAssets } from './embed.assets';
import {
  dashboardFrameAncestors,
  newNonce,
  REFUSAL_FRAME_ANCESTORS,
  setEmbedPageHeaders,
} from './embed-headers';
import { renderDashboardPage, renderRefusalPage } from './embed-page';
import { EmbedRefusal } from './guest-token-claims';

/**
 * The embedded dashboard page and its script. Public routes: the guest token in the query
 * string is the credential, checked by EmbedAccessService (the iframe's src is a plain URL, so the
 * token cannot travel in a header here; the page then sends it as a Bearer header to the data
 * routes). Any refusal is an HTML page with the reason, the matching status, and no script.
 * Browser routes, so they are left out of the OpenAPI document (see embed-paths.ts).
 */
@ApiExcludeController()
@Controller('embed')
export class EmbedPageController {
  constructor(
    private readonly access: EmbedAccessService,
    private readonly assets: EmbedAssets,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(EmbedPageController.name);
  }

  @Get('dashboards/:id')
  @Public()
  async page(
    @Param('id') id: string,
    @Query('token') token: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const nonce = newNonce();
    try {
      const script = this.assets.current;
      const html = await this.access.open(
        typeof token === 'string' ? token : undefined,
        id,
        request,
        ({ claims, dashboard, branding }) => {
          if (!script) throw new EmbedRefusal('unavailable');
          setEmbedPageHeaders(response, {
            nonce,
            frameAncestors: dashboardFrameAncestors(branding.embedOrigins),
          });
          return renderDashboardPage({
            name: dashboard.name,
            widgets: dashboard.widgets,
            branding,
            token: token as string,
            expiresAt: claims.exp * 1000,
            dashboardId: dashboard.id,
            script,
            nonce,
          });
        },
      );
      response.status(200).send(html);
    } catch (error) {
      if (!(error instanceof EmbedRefusal)) {
        this.logger.error({ err: error }, 'embed page failed');
      }
      const refusal = error instanceof EmbedRefusal ? error : new EmbedRefusal('unavailable');
      response.removeHeader('Content-Security-Policy');
      setEmbedPageHeaders(response, { nonce, frameAncestors: REFUSAL_FRAME_ANCESTORS });
      response
        .status(error instanceof EmbedRefusal ? refusal.status : 500)
        .send(renderRefusalPage({ message: refusal.message, branding: DEFAULT_BRANDING, nonce }));
    }
  }

  @Get('assets/:file')
  @Public()
  script(@Param('file') file: string, @Res() response: Response): void {
    const script = this.assets.current;
    response.setHeader('X-Content-Type-Options', 'nosniff');
    if (!script || file !== script.fileName) {
      response.status(404).json({ statusCode: 404, error: 'Not Found', message: 'No such asset' });
      return;
    }
    // The name carries the content's hash: a new build is a new URL, so this one never changes.
    response.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.type('application/javascript; charset=utf-8').send(script.body);
  }
}

import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../tenancy/scope/access-policy';
import { ConsoleAssets } from './console.assets';
import { assetContentType, setAssetHeaders, setConsolePageHeaders } from './console-headers';
import { renderConsolePage } from './console-page';
import type { WebApp } from './web-bundle';

/**
 * Serves the two consoles: /console (platform operators) and /app (a tenant's team). Each is a
 * single-page app, so every path under it answers the same page and the app's router picks the
 * view. Public: the page holds no data; the API calls it makes carry the credentials. Browser
 * routes, so they are left out of the OpenAPI document.
 */
@ApiExcludeController()
@Controller()
export class ConsolePagesController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get(['console/assets/:file', 'app/assets/:file'])
  @Public()
  asset(@Param('file') file: string, @Res() response: Response): void {
    const app: WebApp = response.req.path.startsWith('/console/') ? 'console' : 'app';
    const body = this.assets.build(app)?.files.get(file);
    const contentType = assetContentType(file);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    if (!body || !contentType) {
      response.status(404).json({ statusCode: 404, error: 'Not Found', message: 'No such asset' });
      return;
    }
    setAssetHeaders(response, contentType);
    response.send(body);
  }

  @Get(['console', 'console/*path'])
  @Public()
  operatorConsole(@Res() response: Response): void {
    this.page('console', response);
  }

  @Get(['app', 'app/*path'])
  @Public()
  workspace(@Res() response: Response): void {
    this.page('app', response);
  }

  private page(app: WebApp, response: Response): void {
    const build = this.assets.build(app);
    if (!build) {
      response.status(503).json({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The console is not built: run `npm run build:web`',
      });
      return;
    }
    setConsolePageHeaders(response);
    response.status(200).send(renderConsolePage(app, build.manifest));
  }
}

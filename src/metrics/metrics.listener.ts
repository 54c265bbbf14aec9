import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import type { Environment } from '../config/environment';
import { carriesScrapeToken, SCRAPE_CHALLENGE } from './scrape-token';

/**
 * The optional second listener (METRICS_PORT on METRICS_HOST, loopback by default) that serves
 * GET /metrics and nothing else, so the scrape never has to cross the public API port. It asks
 * for the same token when METRICS_TOKEN is set; without one, binding to loopback is the guard.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsListener.name);
  private server?: Server;

  constructor(private readonly config: ConfigService<Environment, true>) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.get('METRICS_PORT', { infer: true });
    if (port === undefined) return;
    const host = this.config.get('METRICS_HOST', { infer: true });
    const token = this.config.get('METRICS_TOKEN', { infer: true });
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      if (token && !carriesScrapeToken(request, token)) {
        response.writeHead(401, { 'WWW-Authenticate': SCRAPE_CHALLENGE }).end();
        return;
      }
      register.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': register.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const bound = this.address();
    this.logger.log(`metrics listener on http://${bound?.host}:${bound?.port}/metrics`);
  }

  /** Where the listener is bound, or undefined when METRICS_PORT is not set. */
  address(): { host: string; port: number } | undefined {
    const info = this.server?.address() as AddressInfo | null | undefined;
    return info ? { host: info.address, port: info.port } : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

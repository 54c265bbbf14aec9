import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HTTP_REQUEST_DURATION, HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsListener } from './metrics.listener';
import { ScheduledJobGaugesService } from './scheduled-job-gauges.service';
import { ScrapeTokenGuard } from './scrape-token.guard';

/**
 * /metrics for Prometheus (scrape token, or a loopback listener of its own): Node process metrics
 * plus request latency by route and status, and the scheduled jobs' health (read at scrape time).
 */
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: true },
      defaultLabels: { service: 'tenantry' },
    }),
  ],
  providers: [
    ScrapeTokenGuard,
    MetricsListener,
    ScheduledJobGaugesService,
    makeHistogramProvider({
      name: HTTP_REQUEST_DURATION,
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
  ],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}

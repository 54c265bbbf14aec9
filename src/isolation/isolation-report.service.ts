import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { CatalogueRepository } from './catalogue.repository';
import { buildIsolationReport, type IsolationReport } from './isolation-report';

/** The isolation report of the running deployment: its database, its roles, its event store. */
@Injectable()
export class IsolationReportService {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly config: ConfigService<Environment, true>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  report(): Promise<IsolationReport> {
    return buildIsolationReport({
      query: this.catalogue.query,
      roles: {
        app: this.config.get('DATABASE_APP_USER', { infer: true }),
        platform: this.config.get('DATABASE_PLATFORM_USER', { infer: true }),
      },
      clickhouse: this.store instanceof ClickHouseEventStore ? this.store : undefined,
    });
  }
}

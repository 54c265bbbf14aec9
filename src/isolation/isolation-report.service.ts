import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { PlatformDatabase } from '../database/platform.database';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { buildIsolationReport, type IsolationReport } from './isolation-report';

/** The isolation report of the running deployment: its database, its roles, its event store. */
@Injectable()
export class IsolationReportService {
  constructor(
    private readonly platform: PlatformDatabase,
    private readonly config: ConfigService<Environment, true>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  report(): Promise<IsolationReport> {
    return buildIsolationReport({
      // The catalogues are readable by any role; the platform role's pool keeps this off the
      // pool that serves tenant traffic.
      query: (text, values) => this.platform.query(text, values),
      roles: {
        app: this.config.get('DATABASE_APP_USER', { infer: true }),
        platform: this.config.get('DATABASE_PLATFORM_USER', { infer: true }),
      },
      clickhouse: this.store instanceof ClickHouseEventStore ? this.store : undefined,
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment';
import { ClickHouseEventStore } from '../ingestion/store/clickhouse-event.store';
import { EVENT_STORE, type EventStore } from '../ingestion/store/event-store';
import { CatalogueRepository } from './catalogue.repository';
import { PlatformDatabase } from '../database/platform.database';
import { readPlacementConnection } from '../database/placements/placement-connection';
import {
  buildIsolationReport,
  type IsolationReport,
  type PlacementIsolation,
  postgresSection,
} from './isolation-report';

/** The isolation report of the running deployment: its database, its roles, its event store. */
@Injectable()
export class IsolationReportService {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly config: ConfigService<Environment, true>,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly platform: PlatformDatabase,
  ) {}

  async report(): Promise<IsolationReport> {
    // Every other placement database (issue 18), on its platform role's connection; its roles
    // are the ones its settings name. One that cannot be opened is a problem of the report.
    const placements: PlacementIsolation[] = [];
    const failed = await this.platform.onOtherPlacements(async (connection, placement) => {
      const settings = readPlacementConnection(placement.name, placement.connectionRef);
      const { postgres, problems } = await postgresSection(this.catalogue.queryOn(connection), {
        app: settings.APP_USER,
        platform: settings.PLATFORM_USER,
      });
      placements.push({
        name: placement.name,
        reachable: true,
        database: postgres.database,
        problems,
      });
    });
    for (const { placement } of failed) {
      placements.push({
        name: placement,
        reachable: false,
        database: null,
        problems: ['its database cannot be reached, so its isolation cannot be checked'],
      });
    }
    return buildIsolationReport({
      query: this.catalogue.query,
      roles: {
        app: this.config.get('DATABASE_APP_USER', { infer: true }),
        platform: this.config.get('DATABASE_PLATFORM_USER', { infer: true }),
      },
      clickhouse: this.store instanceof ClickHouseEventStore ? this.store : undefined,
      placements,
    });
  }
}

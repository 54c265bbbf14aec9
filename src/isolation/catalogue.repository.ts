import { Injectable } from '@nestjs/common';
import { PlatformDatabase } from '../database/platform.database';
import type { CatalogueQuery } from './postgres-catalogue';

/** PostgreSQL's system catalogues, which the isolation report reads (postgres-catalogue.ts). */
@Injectable()
export class CatalogueRepository {
  constructor(private readonly platform: PlatformDatabase) {}

  /**
   * The catalogues are readable by any role; the platform role's pool keeps this off the pool
   * that serves tenant traffic.
   */
  readonly query: CatalogueQuery = (text, values) => this.platform.query(text, values);
}

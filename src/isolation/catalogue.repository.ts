import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
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

  /** The same catalogues of another placement database (issue 18), on its connection. */
  queryOn(connection: DataSource): CatalogueQuery {
    return (text, values) => connection.query(text, values);
  }
}

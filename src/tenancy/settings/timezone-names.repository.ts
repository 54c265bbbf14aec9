import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** PostgreSQL's time zone names (pg_timezone_names, the IANA names), on the app connection. */
@Injectable()
export class TimezoneNamesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      'SELECT name FROM pg_timezone_names ORDER BY name',
    );
    return rows.map((row) => row.name);
  }
}

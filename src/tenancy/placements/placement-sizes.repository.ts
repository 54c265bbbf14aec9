import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Sizes of a placement's database, read on its platform role's connection. */
@Injectable()
export class PlacementSizesRepository {
  async databaseBytes(placement: DataSource): Promise<number> {
    const [row] = await placement.query<{ bytes: string }[]>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    return Number(row.bytes);
  }
}

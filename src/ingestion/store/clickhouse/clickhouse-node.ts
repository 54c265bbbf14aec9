import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { MutationConnection } from './mutations';
import { identifier } from './sql-literal';

export interface ClickHouseUser {
  username: string;
  password?: string;
}

export interface ClickHouseUsers {
  writer?: ClickHouseUser;
  reader?: ClickHouseUser;
  background_reader?: ClickHouseUser;
}

/**
 * One ClickHouse server of the event store: the single server, or one shard of a cluster. Three
 * connections, as the store always had: the writer (inserts, schema, mutations), the readonly
 * reader with the profile's limits, and the reader at a low priority. Without a reader, reads
 * run as the writer; without a background reader, as the reader.
 */
export class ClickHouseNode implements MutationConnection {
  readonly writer: ClickHouseClient;
  readonly reader: ClickHouseClient;
  readonly backgroundReader: ClickHouseClient;
  /** The writer for statements that may run for hours: schema steps, OPTIMIZE. */
  private readonly maintenance: ClickHouseClient;
  readonly database: string;

  constructor(
    readonly url: string,
    database: string,
    /** Its position in the cluster (0 = the first shard); 0 for a single server. */
    readonly shard: number,
    users: ClickHouseUsers,
  ) {
    this.database = identifier(database);
    this.writer = createClient({
      url,
      ...users.writer,
      request_timeout: 30_000,
      log: { level: ClickHouseLogLevel.OFF },
      // Both 18.16 and current servers read ISO timestamps with a zone this way.
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    this.maintenance = createClient({
      url,
      ...users.writer,
      // A schema step copying events or a week merged by OPTIMIZE takes minutes on a big table;
      // a client that gave up would leave the server working while the app retried it.
      request_timeout: 6 * 3_600_000,
      log: { level: ClickHouseLogLevel.OFF },
    });
    // No settings from the client: readonly=1 refuses any, and so no query can lift its limits
    // (response compression would send enable_http_compression, so it stays off).
    const readerClient = (user: ClickHouseUser) =>
      createClient({
        url,
        ...user,
        compression: { response: false, request: false },
        request_timeout: 60_000,
        log: { level: ClickHouseLogLevel.OFF },
      });
    this.reader = users.reader ? readerClient(users.reader) : this.writer;
    this.backgroundReader =
      users.reader && users.background_reader ? readerClient(users.background_reader) : this.reader;
  }

  /** A statement as the writer (DDL, INSERT … SELECT, ALTER … DELETE). */
  async writerCommand(query: string): Promise<void> {
    await this.writer.command({ query });
  }

  /** A long statement as the writer (schema steps, OPTIMIZE), waited for up to six hours. */
  async maintenanceCommand(query: string): Promise<void> {
    await this.maintenance.command({ query });
  }

  /** A read as the writer (system tables, counts before a delete). */
  async writerSelect<T>(query: string): Promise<T[]> {
    return readAs<T>(this.writer, query);
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.maintenance.close();
    if (this.reader !== this.writer) await this.reader.close();
    if (this.backgroundReader !== this.reader) await this.backgroundReader.close();
  }
}

export async function readAs<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

/**
 * The owner role's data source, used only by `npm run migration:*` (TypeORM CLI). The app
 * itself never connects as the owner.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is missing (the migration runner needs it)`);
  return value;
}

export const ownerDataSource = new DataSource(
  buildDataSourceOptions({
    host: required('DATABASE_HOST'),
    port: Number(process.env.DATABASE_PORT ?? 5432),
    database: required('DATABASE_NAME'),
    username: required('DATABASE_OWNER_USER'),
    password: required('DATABASE_OWNER_PASSWORD'),
    poolSize: 2,
  }),
);

export default ownerDataSource;

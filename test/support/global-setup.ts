import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { testEnvironment } from './stack-env';

/**
 * Once per test run: recreate the test database as the owner role and migrate it, so every run
 * starts from the schema the migrations define and nothing else.
 */
export default async function globalSetup(): Promise<void> {
  const env = testEnvironment();
  Object.assign(process.env, env);
  for (const name of [
    'DATABASE_HOST',
    'DATABASE_OWNER_USER',
    'DATABASE_OWNER_PASSWORD',
    'DATABASE_APP_USER',
  ]) {
    if (!env[name]) {
      throw new Error(`${name} is not set: start the local stack first (bash scripts/stack.sh up)`);
    }
  }
  const owner = {
    host: env.DATABASE_HOST,
    port: Number(env.DATABASE_PORT),
    user: env.DATABASE_OWNER_USER,
    password: env.DATABASE_OWNER_PASSWORD,
  };
  const admin = new Client({ ...owner, database: env.DATABASE_NAME.replace(/_test$/, '') });
  await admin.connect().catch((error: Error) => {
    throw new Error(
      `Cannot reach PostgreSQL at ${owner.host}:${owner.port} (${error.message}); run bash scripts/stack.sh up`,
    );
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${env.DATABASE_NAME}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${env.DATABASE_NAME}" TEMPLATE template0`);
  } finally {
    await admin.end();
  }

  const dataSource = new DataSource(
    buildDataSourceOptions({
      host: owner.host,
      port: owner.port,
      database: env.DATABASE_NAME,
      username: owner.user,
      password: owner.password,
      poolSize: 1,
    }),
  );
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

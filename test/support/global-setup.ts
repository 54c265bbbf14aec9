import { recreateDatabase } from '../../src/database/recreate-database';
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
  await recreateDatabase(
    {
      host: env.DATABASE_HOST,
      port: Number(env.DATABASE_PORT),
      user: env.DATABASE_OWNER_USER,
      password: env.DATABASE_OWNER_PASSWORD,
      maintenanceDatabase: env.DATABASE_NAME.replace(/_test$/, ''),
    },
    env.DATABASE_NAME,
  );
}

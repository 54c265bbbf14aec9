import { join } from 'node:path';

/** Where test-app.ts keeps the run's platform admin token for the run's later test files. */
export function adminTokenFile(database = process.env.DATABASE_NAME ?? 'tenantry_test'): string {
  return join(__dirname, '..', 'artifacts', `.platform-admin-token.${database}.json`);
}

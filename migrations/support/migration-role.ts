/**
 * Which database a migration run is applying to (issue 18, placements): `control`, the
 * database that lists placements and holds the authoritative tenants rows (today's database),
 * or `placement`, a siloed tenant's database, which carries the same schema but whose tenants
 * and plans rows are copies written by the mirror. Set by the migration runner
 * (src/cli/migrate.ts); unset means control, so every existing deployment is unchanged.
 */
export type MigrationRole = 'control' | 'placement';

export function migrationRole(): MigrationRole {
  const role = process.env.MIGRATION_ROLE ?? 'control';
  if (role !== 'control' && role !== 'placement') {
    throw new Error('MIGRATION_ROLE must be control or placement');
  }
  return role;
}

import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/**
 * Refresh tokens, stored only as SHA-256 of a 256-bit random secret. Tokens of one login share a
 * family: presenting an already-rotated token revokes the whole family.
 */
export class CreateRefreshTokens1763900000003 implements MigrationInterface {
  name = 'CreateRefreshTokens1763900000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE refresh_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        family_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await runner.query(
      'CREATE UNIQUE INDEX refresh_tokens_hash_unique ON refresh_tokens (tenant_id, token_hash)',
    );
    await runner.query(
      'CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id)',
    );
    await enableTenantIsolation(runner, 'refresh_tokens');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON refresh_tokens TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE refresh_tokens');
  }
}

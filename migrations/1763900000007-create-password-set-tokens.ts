import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole, enableTenantIsolation } from './support/isolation';

/** One-time password-set tokens (a new owner's first password), stored as SHA-256 only. */
export class CreatePasswordSetTokens1763900000007 implements MigrationInterface {
  name = 'CreatePasswordSetTokens1763900000007';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE password_set_tokens (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await runner.query(
      'CREATE UNIQUE INDEX password_set_tokens_hash_unique ON password_set_tokens (tenant_id, token_hash)',
    );
    await enableTenantIsolation(runner, 'password_set_tokens');
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON password_set_tokens TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE password_set_tokens');
  }
}

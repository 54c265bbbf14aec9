import type { MigrationInterface, QueryRunner } from 'typeorm';
import { platformRole } from './support/isolation';

/**
 * Refresh tokens of platform operators (the /console session). Platform-owned like
 * platform_admins: no tenant_id, no RLS, and only the platform role may touch it; the app role
 * serving tenant traffic holds nothing here. Tokens are stored as SHA-256 only.
 */
export class CreatePlatformAdminRefreshTokens1763900000120 implements MigrationInterface {
  name = 'CreatePlatformAdminRefreshTokens1763900000120';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE platform_admin_refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        admin_id uuid NOT NULL REFERENCES platform_admins (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz
      )`);
    await runner.query(
      'CREATE UNIQUE INDEX platform_admin_refresh_tokens_hash ON platform_admin_refresh_tokens (token_hash)',
    );
    await runner.query(
      'CREATE INDEX platform_admin_refresh_tokens_family ON platform_admin_refresh_tokens (family_id)',
    );
    await runner.query(
      'CREATE INDEX platform_admin_refresh_tokens_expiry ON platform_admin_refresh_tokens (admin_id, expires_at)',
    );
    await runner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON platform_admin_refresh_tokens TO ${platformRole()}`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE platform_admin_refresh_tokens');
  }
}

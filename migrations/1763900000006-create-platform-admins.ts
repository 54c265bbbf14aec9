import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appRole } from './support/isolation';

/** Platform operators: not tenant-scoped (no tenant_id, no RLS); only /admin routes trust them. */
export class CreatePlatformAdmins1763900000006 implements MigrationInterface {
  name = 'CreatePlatformAdmins1763900000006';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE platform_admins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        password_hash text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'active',
        last_login_at timestamptz,
        failed_login_count integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT platform_admins_status_known CHECK (status IN ('active', 'disabled')),
        CONSTRAINT platform_admins_password_is_argon2id CHECK (password_hash LIKE '$argon2id$%')
      )`);
    await runner.query(
      'CREATE UNIQUE INDEX platform_admins_email_unique ON platform_admins (lower(email))',
    );
    await runner.query(`GRANT SELECT, INSERT, UPDATE ON platform_admins TO ${appRole()}`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE platform_admins');
  }
}

import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import type { ImportedBranding, ImportedDashboard, ImportedSettings } from './import-content';

/** The writes of an import into the current tenant, in its transaction (RLS). */
@Injectable()
export class TenantImportRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private query<T = unknown[]>(sql: string, parameters: unknown[] = []): Promise<T> {
    return this.tenantContext.manager.query(sql, [this.tenantContext.tenantId, ...parameters]);
  }

  /** Serialises imports into one tenant: the second waits, then finds it no longer empty. */
  async lockForImport(): Promise<void> {
    await this.query("SELECT pg_advisory_xact_lock(hashtext('tenant-import:' || $1))");
  }

  /** The tenant's users' emails, lower-cased. */
  async userEmails(): Promise<string[]> {
    const rows = await this.query<{ email: string }[]>(
      'SELECT lower(email) AS email FROM users WHERE tenant_id = $1',
    );
    return rows.map((row) => row.email);
  }

  async replaceSettings(settings: ImportedSettings): Promise<void> {
    await this.query(
      `INSERT INTO tenant_settings (tenant_id, timezone, locale, currency, date_format)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id) DO UPDATE
         SET timezone = EXCLUDED.timezone, locale = EXCLUDED.locale,
             currency = EXCLUDED.currency, date_format = EXCLUDED.date_format, updated_at = now()`,
      [settings.timezone, settings.locale, settings.currency, settings.date_format],
    );
  }

  async replaceBranding(branding: ImportedBranding): Promise<void> {
    await this.query(
      `INSERT INTO tenant_branding (tenant_id, primary_color, accent_color, background_color,
                                    text_color, logo_url, embed_origins)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id) DO UPDATE
         SET primary_color = EXCLUDED.primary_color, accent_color = EXCLUDED.accent_color,
             background_color = EXCLUDED.background_color, text_color = EXCLUDED.text_color,
             logo_url = EXCLUDED.logo_url, embed_origins = EXCLUDED.embed_origins,
             updated_at = now()`,
      [
        branding.primary_color,
        branding.accent_color,
        branding.background_color,
        branding.text_color,
        branding.logo_url,
        branding.embed_origins,
      ],
    );
  }

  /** The new tenant's provisioned default dashboard makes way for the archive's. */
  async replaceDashboards(dashboards: ImportedDashboard[]): Promise<void> {
    await this.query('DELETE FROM dashboards WHERE tenant_id = $1');
    for (const dashboard of dashboards) {
      await this.query(
        // clock_timestamp(): each a moment later, so they list in the archive's order.
        `INSERT INTO dashboards (tenant_id, name, widgets, is_default, created_at, updated_at)
         VALUES ($1, $2, $3::jsonb, $4, clock_timestamp(), clock_timestamp())`,
        [dashboard.name, JSON.stringify(dashboard.widgets), dashboard.is_default],
      );
    }
  }

  /** A user invited anew: no password (a password-set token follows), the exported role. */
  async insertInvitedUser(user: { email: string; role: string; status: string }): Promise<string> {
    const [row] = await this.query<{ id: string }[]>(
      `INSERT INTO users (tenant_id, email, role, status) VALUES ($1, $2, $3, $4) RETURNING id`,
      [user.email.trim(), user.role, user.status],
    );
    return row.id;
  }
}

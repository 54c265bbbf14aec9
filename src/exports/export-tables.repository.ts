import { Injectable } from '@nestjs/common';
import { TenantContext } from '../tenancy/scope/tenant.context';

/** A row as the archive holds it: plain JSON, snake_case, as the columns are named. */
export type ExportRow = Record<string, unknown>;

/**
 * Reads of the current tenant's tables for an export, in its transaction (RLS), each with an
 * explicit column list: what is left out (password hashes, API key secrets, login counters)
 * can never slip into an archive because a column was added. Large tables are read in keyset
 * pages; the others are bounded by the plan (users, keys, dashboards) or by time (one row a day).
 */
@Injectable()
export class ExportTablesRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private query(sql: string, parameters: unknown[] = []): Promise<ExportRow[]> {
    return this.tenantContext.manager.query(sql, [this.tenantContext.tenantId, ...parameters]);
  }

  async settings(): Promise<ExportRow | null> {
    const [row] = await this.query(
      `SELECT timezone, locale, currency, date_format FROM tenant_settings WHERE tenant_id = $1`,
    );
    return row ?? null;
  }

  async branding(): Promise<ExportRow | null> {
    const [row] = await this.query(
      `SELECT primary_color, accent_color, background_color, text_color, logo_url, embed_origins
         FROM tenant_branding WHERE tenant_id = $1`,
    );
    return row ?? null;
  }

  /** Never the password hash, lockout counters or tokens. */
  users(): Promise<ExportRow[]> {
    return this.query(
      `SELECT id, email, role, status, created_at, last_login_at
         FROM users WHERE tenant_id = $1 ORDER BY lower(email), id`,
    );
  }

  /** Prefix, name and scopes: the secret's hash never leaves the database. */
  apiKeys(): Promise<ExportRow[]> {
    return this.query(
      `SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at
         FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`,
    );
  }

  dashboards(): Promise<ExportRow[]> {
    return this.query(
      `SELECT id, name, widgets, is_default, created_at, updated_at
         FROM dashboards WHERE tenant_id = $1 ORDER BY created_at, id`,
    );
  }

  usageDaily(): Promise<ExportRow[]> {
    return this.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, events_accepted::float8 AS events_accepted,
              events_stored::float8 AS events_stored, events_rejected::float8 AS events_rejected,
              events_dead_lettered::float8 AS events_dead_lettered
         FROM usage_daily WHERE tenant_id = $1 ORDER BY day`,
    );
  }

  invoices(): Promise<ExportRow[]> {
    return this.query(
      `SELECT id, number, sequence_number, period_start, period_end, currency, display_currency,
              lines, events_included::float8 AS events_included,
              events_used::float8 AS events_used, events_overage::float8 AS events_overage,
              total_cents::float8 AS total_cents, finalised_at
         FROM invoices WHERE tenant_id = $1 ORDER BY sequence_number`,
    );
  }

  /** One page of the audit log, oldest first, after the (at, id) the previous page ended on. */
  auditLogPage(after: { at: string; id: string } | null, limit: number): Promise<ExportRow[]> {
    return this.query(
      `SELECT id, at, at::text AS at_key, actor_type, actor_id, action, resource_type,
              resource_id, details, ip, user_agent, cross_tenant_attempt
         FROM audit_log
        WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY at, id
        LIMIT $4`,
      [after?.at ?? null, after?.id ?? null, limit],
    );
  }
}

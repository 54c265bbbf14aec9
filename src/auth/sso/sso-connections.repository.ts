import { Injectable } from '@nestjs/common';
import { TenantContext } from '../../tenancy/scope/tenant.context';
import { SsoConnection } from './sso-connection.entity';

export type SsoConnectionValues = Pick<
  SsoConnection,
  | 'issuer'
  | 'clientId'
  | 'clientSecretSealed'
  | 'clientSecretRef'
  | 'defaultRole'
  | 'passwordLoginEnabled'
  | 'lastSsoLoginAt'
>;

/**
 * sso_connections and sso_login_states, always in the tenant transaction: RLS sees the current
 * tenant's rows only.
 */
@Injectable()
export class SsoConnectionsRepository {
  constructor(private readonly tenantContext: TenantContext) {}

  private get connections() {
    return this.tenantContext.manager.getRepository(SsoConnection);
  }

  find(): Promise<SsoConnection | null> {
    return this.connections.findOneBy({ tenantId: this.tenantContext.tenantId });
  }

  /** The row locked to the end of the transaction (a change and the lockout check agree). */
  findForUpdate(): Promise<SsoConnection | null> {
    return this.connections.findOne({
      where: { tenantId: this.tenantContext.tenantId },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async upsert(values: SsoConnectionValues): Promise<void> {
    await this.tenantContext.manager.query(
      `INSERT INTO sso_connections (tenant_id, issuer, client_id, client_secret_sealed,
                                    client_secret_ref, default_role, password_login_enabled,
                                    last_sso_login_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id) DO UPDATE SET
         issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
         client_secret_sealed = EXCLUDED.client_secret_sealed,
         client_secret_ref = EXCLUDED.client_secret_ref, default_role = EXCLUDED.default_role,
         password_login_enabled = EXCLUDED.password_login_enabled,
         last_sso_login_at = EXCLUDED.last_sso_login_at, updated_at = now()`,
      [
        this.tenantContext.tenantId,
        values.issuer,
        values.clientId,
        values.clientSecretSealed,
        values.clientSecretRef,
        values.defaultRole,
        values.passwordLoginEnabled,
        values.lastSsoLoginAt,
      ],
    );
  }

  async delete(): Promise<boolean> {
    const result = await this.connections.delete({ tenantId: this.tenantContext.tenantId });
    return (result.affected ?? 0) > 0;
  }

  async markLoginSucceeded(): Promise<void> {
    await this.connections.update(
      { tenantId: this.tenantContext.tenantId },
      { lastSsoLoginAt: () => 'now()' },
    );
  }

  /**
   * Records a login state as used; false when it already was (a replay). Drops the tenant's
   * states that expired a while ago on the way, so the table stays small.
   */
  async consumeState(stateHash: string, expiresAt: Date): Promise<boolean> {
    const manager = this.tenantContext.manager;
    await manager.query(
      "DELETE FROM sso_login_states WHERE expires_at < now() - interval '1 hour'",
    );
    const rows: unknown[] = await manager.query(
      `INSERT INTO sso_login_states (tenant_id, state_hash, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING state_hash`,
      [this.tenantContext.tenantId, stateHash, expiresAt],
    );
    return rows.length === 1;
  }
}

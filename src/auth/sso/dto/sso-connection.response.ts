import { ApiProperty } from '@nestjs/swagger';
import { SSO_DEFAULT_ROLES } from '../sso-connection.entity';
import type { SsoConnection } from '../sso-connection.entity';

/** GET/PUT /v1/sso. The client secret itself is never returned. */
export class SsoConnectionResponse {
  @ApiProperty({ description: 'Whether the tenant has an identity provider configured' })
  configured: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'https://login.acme.example' })
  issuer: string | null;

  @ApiProperty({ type: String, nullable: true }) client_id: string | null;

  @ApiProperty({ description: 'Whether a client secret (or a reference to one) is stored' })
  client_secret_set: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The env:NAME reference when the secret is one (the name only, never the value)',
  })
  client_secret_ref: string | null;

  @ApiProperty({ type: String, nullable: true, enum: SSO_DEFAULT_ROLES })
  default_role: string | null;

  @ApiProperty({ description: 'false: only owners may log in with a password' })
  password_login_enabled: boolean;

  @ApiProperty({
    example: 'https://acme.tenantry.example/auth/sso/callback',
    description: 'The redirect URI to register at the IdP for this host',
  })
  redirect_uri: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last successful SSO login with this issuer and client id',
  })
  last_sso_login_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  updated_at: string | null;

  static from(row: SsoConnection | null, redirectUri: string): SsoConnectionResponse {
    return {
      configured: row !== null,
      issuer: row?.issuer ?? null,
      client_id: row?.clientId ?? null,
      client_secret_set: row !== null,
      client_secret_ref: row?.clientSecretRef ?? null,
      default_role: row?.defaultRole ?? null,
      password_login_enabled: row?.passwordLoginEnabled ?? true,
      redirect_uri: redirectUri,
      last_sso_login_at: row?.lastSsoLoginAt?.toISOString() ?? null,
      updated_at: row?.updatedAt?.toISOString() ?? null,
    };
  }
}

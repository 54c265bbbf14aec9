import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../../common/omittable';
import { SSO_DEFAULT_ROLES, type SsoDefaultRole } from '../sso-connection.entity';

/** PUT /v1/sso: the tenant's identity provider, as a whole. */
export class UpdateSsoDto {
  @ApiProperty({
    example: 'https://login.acme.example',
    maxLength: 512,
    description:
      "The IdP's issuer URL (https; its /.well-known/openid-configuration is read to check it)",
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  issuer: string;

  @ApiProperty({ example: 'tenantry', minLength: 1, maxLength: 256 })
  @IsString()
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'client_id must be printable ASCII without spaces' })
  client_id: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 1024,
    description:
      'The client secret, stored encrypted and never returned; or a reference ' +
      '`env:SSO_CLIENT_SECRET_<SLUG>` (slug upper-cased, `-` as `_`) to a variable the operator ' +
      'sets. Leave it out to keep the stored one (same issuer and client id only).',
  })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  client_secret?: string;

  @ApiProperty({
    enum: SSO_DEFAULT_ROLES,
    description: 'The role of a user SSO provisions on first login (never owner)',
  })
  @IsIn(SSO_DEFAULT_ROLES, {
    message: `default_role must be one of ${SSO_DEFAULT_ROLES.join(', ')}`,
  })
  default_role: SsoDefaultRole;

  @ApiProperty({
    description:
      'false turns password login off for everyone but owners (their break-glass); refused ' +
      'until one SSO login with this issuer and client id has succeeded',
  })
  @IsBoolean()
  password_login_enabled: boolean;
}

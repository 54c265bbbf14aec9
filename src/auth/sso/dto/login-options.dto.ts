import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../../common/omittable';
import { SLUG_PATTERN } from '../../../tenancy/slug';
import { RETURN_TO_PATTERN } from '../sso-login-state';

export class LoginOptionsQuery {
  @ApiPropertyOptional({
    example: 'acme',
    description: 'Tenant slug; defaults to the Host subdomain',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(63)
  @Matches(SLUG_PATTERN, { message: 'tenant must be a tenant slug' })
  tenant?: string;
}

export class SsoStartQuery extends LoginOptionsQuery {
  @ApiPropertyOptional({
    example: '/app/dashboards',
    maxLength: 505,
    description: 'Where to land after login: a path under /app/ (default /app/)',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(505)
  @Matches(RETURN_TO_PATTERN, { message: 'return_to must be a path under /app/' })
  return_to?: string;
}

/** GET /auth/login-options: what the /app login page offers. */
export class LoginOptionsResponse {
  @ApiProperty({ description: 'Whether password login is offered (owners may always use it)' })
  password_login: boolean;

  @ApiProperty({ description: 'Whether SSO is offered' })
  sso: boolean;

  @ApiPropertyOptional({
    example: '/auth/sso/start?tenant=acme',
    description: 'Where the SSO button leads (present when sso is true)',
  })
  sso_start_url?: string;
}

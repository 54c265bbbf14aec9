import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SLUG_PATTERN } from '../../../tenancy/slug';
import { IsOmittable } from '../../../common/omittable';

export class LoginDto {
  @ApiPropertyOptional({
    example: 'acme',
    description: 'Tenant slug; defaults to the tenant the Host names (subdomain or custom domain)',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(63)
  @Matches(SLUG_PATTERN, { message: 'tenant must be a tenant slug' })
  tenant?: string;

  @ApiProperty({ example: 'ana@acme.example', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'a long passphrase', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;

  @ApiPropertyOptional({
    description:
      'For browsers (default false): set the refresh token as an httpOnly, SameSite=Strict cookie scoped to /auth instead of returning it (refresh and logout then read the cookie)',
  })
  @IsOmittable()
  @IsBoolean()
  refresh_cookie?: boolean;
}

export class RefreshDto {
  @ApiPropertyOptional({
    description:
      'The refresh token from login or the last refresh; left out, the refresh cookie is used',
    minLength: 1,
  })
  @IsOmittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  refresh_token?: string;
}

export class SetPasswordDto {
  @ApiProperty({ description: 'The one-time token from tenant provisioning', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @ApiProperty({ minLength: 12, maxLength: 256 })
  @IsString()
  @MinLength(12)
  @MaxLength(256)
  password: string;
}

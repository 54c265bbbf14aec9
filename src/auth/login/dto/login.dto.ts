import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength, MinLength } from 'class-validator';
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
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the last refresh', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  refresh_token: string;
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

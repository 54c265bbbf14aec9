import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../../permissions';
import { IsOmittable } from '../../../common/omittable';

export class CreateUserDto {
  @ApiProperty({ example: 'ana@acme.example', maxLength: 254, format: 'email' })
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({
    minLength: 12,
    maxLength: 256,
    description: 'Omit to let the user set it later',
  })
  @IsOmittable()
  @IsString()
  @MinLength(12)
  @MaxLength(256)
  password?: string;
}

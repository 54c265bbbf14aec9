import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsPropertyFilters } from './property-filters.validator';
import { IsOmittable } from '../../../common/omittable';

/** The person the embedding application shows the dashboard to: exactly one of email or id. */
export class EmbedUserDto {
  @ApiPropertyOptional({ example: 'jane@customer.example', format: 'email' })
  @IsOmittable()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'user.email must be an email address' })
  email?: string;

  @ApiPropertyOptional({
    example: 'customer-user-42',
    description: '1-128 of A-Z a-z 0-9 _ . : @ -',
    pattern: '^[A-Za-z0-9_.:@-]{1,128}$',
  })
  @IsOmittable()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:@-]{1,128}$/, {
    message: 'user.id must be 1-128 of A-Z a-z 0-9 _ . : @ -',
  })
  id?: string;
}

export class CreateGuestTokenDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  dashboard_id: string;

  @ApiProperty({
    type: 'object',
    description: 'Exactly one of `email` or `id`',
    oneOf: [
      {
        type: 'object',
        required: ['email'],
        additionalProperties: false,
        properties: { email: { type: 'string', format: 'email', maxLength: 254 } },
      },
      {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.:@-]{1,128}$' } },
      },
    ],
    // The options type wants object schemas spelled out as properties; oneOf says more here.
  } as never)
  @IsObject()
  @ValidateNested()
  @Type(() => EmbedUserDto)
  user: EmbedUserDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    example: { country: 'DE' },
    description:
      'Property filters forced on every widget of the embedded dashboard (at most 10; keys as in property.<key>)',
  })
  @IsOmittable()
  @IsPropertyFilters()
  filters?: Record<string, string | number | boolean>;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsEmbedOrigin } from '../embed-origin';

const HEX_COLOR = /^#[0-9a-f]{6}$/;
const colorMessage = (field: string) => `${field} must be a lowercase #rrggbb colour`;

/** PUT /v1/branding: the whole theme at once (omit logo_url or send null to have none). */
export class UpdateBrandingDto {
  @ApiProperty({ example: '#0f766e', pattern: HEX_COLOR.source })
  @IsString()
  @Matches(HEX_COLOR, { message: colorMessage('primary_color') })
  primary_color: string;

  @ApiProperty({ example: '#f97316', pattern: HEX_COLOR.source })
  @IsString()
  @Matches(HEX_COLOR, { message: colorMessage('accent_color') })
  accent_color: string;

  @ApiProperty({ example: '#ffffff', pattern: HEX_COLOR.source })
  @IsString()
  @Matches(HEX_COLOR, { message: colorMessage('background_color') })
  background_color: string;

  @ApiProperty({ example: '#111827', pattern: HEX_COLOR.source })
  @IsString()
  @Matches(HEX_COLOR, { message: colorMessage('text_color') })
  text_color: string;

  @ApiPropertyOptional({
    example: 'https://cdn.customer.com/logo.svg',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['https'], require_protocol: true, require_tld: true },
    { message: 'logo_url must be an https:// URL' },
  )
  logo_url?: string | null;

  @ApiProperty({
    type: [String],
    example: ['https://app.customer.com'],
    description:
      'Origins allowed to frame embedded dashboards and call their data routes (at most 20)',
  })
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsEmbedOrigin({ each: true })
  embed_origins: string[];
}

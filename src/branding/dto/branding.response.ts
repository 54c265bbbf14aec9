import { ApiProperty } from '@nestjs/swagger';
import type { Branding } from '../tenant-branding.entity';

export class BrandingResponse {
  @ApiProperty({ example: '#4f46e5' }) primary_color: string;
  @ApiProperty({ example: '#f59e0b' }) accent_color: string;
  @ApiProperty({ example: '#ffffff' }) background_color: string;
  @ApiProperty({ example: '#111827' }) text_color: string;
  @ApiProperty({ type: String, nullable: true }) logo_url: string | null;
  @ApiProperty({ type: [String] }) embed_origins: string[];
  @ApiProperty({ description: 'false while the platform defaults apply' }) customized: boolean;
  @ApiProperty({ format: 'date-time', type: String, nullable: true }) updated_at: string | null;

  static from(branding: Branding): BrandingResponse {
    return {
      primary_color: branding.primaryColor,
      accent_color: branding.accentColor,
      background_color: branding.backgroundColor,
      text_color: branding.textColor,
      logo_url: branding.logoUrl,
      embed_origins: [...branding.embedOrigins],
      customized: branding.updatedAt !== null,
      updated_at: branding.updatedAt ? branding.updatedAt.toISOString() : null,
    };
  }
}

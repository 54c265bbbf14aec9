import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireFeatureFor } from '../tenancy/scope/require-feature.decorator';
import { RequirePermissions } from '../tenancy/scope/require-permissions.decorator';
import { DEFAULT_BRANDING } from './tenant-branding.entity';
import { BrandingService } from './branding.service';
import { BrandingResponse } from './dto/branding.response';
import { UpdateBrandingDto } from './dto/update-branding.dto';

@ApiTags('branding')
@Controller('v1/branding')
export class BrandingController {
  constructor(private readonly branding: BrandingService) {}

  @Get()
  @RequirePermissions('settings:read')
  @ApiOperation({ summary: "The calling tenant's theme (the platform defaults until it sets one)" })
  @ApiOkResponse({ type: BrandingResponse })
  async get(): Promise<BrandingResponse> {
    return BrandingResponse.from(await this.branding.current());
  }

  @Put()
  @RequirePermissions('settings:write')
  // White label: a theme of the tenant's own. Every plan may set its embed origins (with the
  // platform's default colours and no logo); the product mark on embed pages comes later.
  @RequireFeatureFor('white_label', {
    primary_color: DEFAULT_BRANDING.primaryColor,
    accent_color: DEFAULT_BRANDING.accentColor,
    background_color: DEFAULT_BRANDING.backgroundColor,
    text_color: DEFAULT_BRANDING.textColor,
    logo_url: DEFAULT_BRANDING.logoUrl,
  })
  @ApiOperation({
    summary: 'Replace the theme: colours, logo, and the origins allowed to embed dashboards',
    description:
      'Colours other than the platform defaults, or a logo, need a plan with white_label ' +
      '(x-feature-fields); the embed origins alone need none.',
  })
  @ApiOkResponse({ type: BrandingResponse })
  async replace(@Body() input: UpdateBrandingDto): Promise<BrandingResponse> {
    return BrandingResponse.from(await this.branding.replace(input));
  }
}

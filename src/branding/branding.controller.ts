import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../tenancy/scope/require-permissions.decorator';
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
  @ApiOperation({
    summary: 'Replace the theme: colours, logo, and the origins allowed to embed dashboards',
  })
  @ApiOkResponse({ type: BrandingResponse })
  async replace(@Body() input: UpdateBrandingDto): Promise<BrandingResponse> {
    return BrandingResponse.from(await this.branding.replace(input));
  }
}

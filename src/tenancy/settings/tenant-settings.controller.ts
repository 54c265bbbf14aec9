import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../scope/require-permissions.decorator';
import { SettingsResponse } from './dto/settings.response';
import { UpdateSettingsDto } from './dto/update-settings.dto';
import { TenantSettingsService } from './tenant-settings.service';

@ApiTags('settings')
@Controller('v1/settings')
export class TenantSettingsController {
  constructor(private readonly settings: TenantSettingsService) {}

  @Get()
  @RequirePermissions('settings:read')
  @ApiOperation({ summary: "The calling tenant's settings" })
  @ApiOkResponse({ type: SettingsResponse })
  async get(): Promise<SettingsResponse> {
    return SettingsResponse.from(await this.settings.get());
  }

  @Patch()
  @RequirePermissions('settings:write')
  @ApiOperation({ summary: "Change the calling tenant's settings" })
  @ApiOkResponse({ type: SettingsResponse })
  async update(@Body() change: UpdateSettingsDto): Promise<SettingsResponse> {
    return SettingsResponse.from(await this.settings.update(change));
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../tenancy/scope/admin-only.decorator';
import { BackupStatusService } from './backup-status.service';
import { BackupStatusResponse } from './dto/backup-status.response';
import { ListBackupsQuery } from './dto/list-backups.query';

@ApiTags('admin: backups')
@AdminOnly()
@Controller('admin/backups')
export class BackupsAdminController {
  constructor(private readonly backups: BackupStatusService) {}

  @Get()
  @ApiOperation({
    summary:
      'The backups in BACKUP_DIR (written by scripts/backup.sh and the platform-backups job): the last success with ' +
      'its age and size, a failure since, the latest verification, the WAL archiver, and the newest runs. `stale` is ' +
      'true when there is no successful backup or the last is older than BACKUP_MAX_AGE_SECONDS.',
  })
  @ApiOkResponse({
    description: 'The backup catalogue and the WAL archiver',
    type: BackupStatusResponse,
  })
  status(@Query() query: ListBackupsQuery): Promise<BackupStatusResponse> {
    return this.backups.status(query.limit);
  }
}

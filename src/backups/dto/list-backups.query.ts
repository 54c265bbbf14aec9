import { PickType } from '@nestjs/swagger';
import { PageQuery } from '../../common/pagination';

/** GET /admin/backups: how many runs `backups` lists, newest first (the shared page limit). */
export class ListBackupsQuery extends PickType(PageQuery, ['limit'] as const) {}

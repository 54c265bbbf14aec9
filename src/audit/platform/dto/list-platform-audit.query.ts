import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { ListAuditQuery } from '../../dto/list-audit.query';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListPlatformAuditQuery extends ListAuditQuery {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this tenant's entries" })
  @IsOptional()
  @IsUUID('all', { message: 'tenant_id must be a UUID' })
  tenant_id?: string;

  @ApiPropertyOptional({ description: 'Only entries flagged cross_tenant_attempt' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'cross_tenant_only must be true or false' })
  cross_tenant_only?: boolean;
}

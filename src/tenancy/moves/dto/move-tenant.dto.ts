import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** POST /admin/tenants/:id/move: the placement to move the tenant's data to. */
export class MoveTenantDto {
  @ApiProperty({
    description: 'The name of an active placement (GET /admin/placements)',
    example: 'silo-1',
    maxLength: 63,
  })
  @IsString()
  @MaxLength(63)
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'placement must be a placement name' })
  placement: string;
}

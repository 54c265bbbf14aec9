import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ROLES, type Role } from '../../permissions';
import { USER_STATUSES, type UserStatus } from '../user.entity';
import { IsOmittable } from '../../../common/omittable';

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOmittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ enum: USER_STATUSES })
  @IsOmittable()
  @IsIn(USER_STATUSES)
  status?: UserStatus;
}

import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from '../../permissions';
import { USER_STATUSES, type User } from '../user.entity';

/** A user as the API shows it: never the password hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty({ enum: USER_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_login_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;

  static from(user: User): UserResponse {
    return {
      id: user.id,
      email: user.email,
      role: user.role,
      status: user.status,
      last_login_at: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
      created_at: user.createdAt.toISOString(),
    };
  }
}

export class UserPageResponse {
  @ApiProperty({ type: [UserResponse] }) data: UserResponse[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}

import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Actor } from '../../tenancy/scope/actor';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Public } from '../../tenancy/scope/access-policy';
import { PlatformAdminsService } from './platform-admins.service';

export class AdminLoginDto {
  @ApiProperty({ example: 'ops@tenantry.example', minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 1 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;
}

export class AdminTokenResponse {
  @ApiProperty({ description: 'JWT for /admin routes only, 15 minutes' }) access_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900 }) expires_in: number;
}

@ApiTags('auth')
@Controller('auth/admin')
export class PlatformAdminAuthController {
  constructor(private readonly admins: PlatformAdminsService) {}

  @Post('login')
  @Public()
  @UseGuards(ThrottlerGuard)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Platform admin login: a token that only /admin routes (and X-Tenant-ID acting) accept',
  })
  @ApiOkResponse({ type: AdminTokenResponse })
  @ApiUnauthorizedResponse({ description: 'Invalid credentials' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this IP; see Retry-After' })
  login(@Body() input: AdminLoginDto, @Actor() actor: Actor): Promise<AdminTokenResponse> {
    return this.admins.login(input.email, input.password, actor);
  }
}

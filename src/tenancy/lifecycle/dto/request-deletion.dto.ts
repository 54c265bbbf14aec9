import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** POST /v1/tenant/deletion: the owner proves it is them by typing their password again. */
export class RequestDeletionDto {
  @ApiProperty({ description: "The owner's password, re-entered", minLength: 1, maxLength: 256 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { PERMISSIONS } from '../../permissions';
import type { ApiKey } from '../api-key.entity';

/** An API key as listed: never the secret, never its hash. */
export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'Xq3vT9aB' }) prefix: string;
  @ApiProperty({ enum: PERMISSIONS, isArray: true }) scopes: string[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;

  static from(key: ApiKey): ApiKeyResponse {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: key.scopes,
      created_at: key.createdAt.toISOString(),
      last_used_at: key.lastUsedAt ? key.lastUsedAt.toISOString() : null,
    };
  }
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key itself, shown this once: tk_<prefix>_<secret>' })
  key: string;
}

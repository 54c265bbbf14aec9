import { plainToInstance } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { readFileSync } from 'node:fs';
import type { PlacementRole } from './placement';

/**
 * A placement database's connection settings, read from where its `connection_ref` points:
 * `env:NAME` → PLACEMENT_NAME_HOST, _PORT, _DATABASE, _APP_USER, _APP_PASSWORD, _PLATFORM_USER,
 * _PLATFORM_PASSWORD, and optionally _OWNER_USER/_OWNER_PASSWORD (the migration runner only)
 * and _POOLER_PORT (PgBouncer); `file:/path` → a JSON object with the same keys (HOST, PORT, …).
 * The placements table never holds them.
 */
export class PlacementConnection {
  @IsString() @IsNotEmpty() HOST!: string;
  @IsInt() @Min(1) @Max(65535) PORT!: number;
  @IsString() @IsNotEmpty() DATABASE!: string;
  @IsString() @IsNotEmpty() APP_USER!: string;
  @IsString() @IsNotEmpty() APP_PASSWORD!: string;
  @IsString() @IsNotEmpty() PLATFORM_USER!: string;
  @IsString() @IsNotEmpty() PLATFORM_PASSWORD!: string;
  @IsOptional() @IsString() @IsNotEmpty() OWNER_USER?: string;
  @IsOptional() @IsString() @IsNotEmpty() OWNER_PASSWORD?: string;
  @IsOptional() @IsInt() @Min(1) @Max(65535) POOLER_PORT?: number;
}

/** A placement's settings are missing or invalid: names the placement and the variable. */
export class PlacementConfigError extends Error {}

const KEYS = [
  'HOST',
  'PORT',
  'DATABASE',
  'APP_USER',
  'APP_PASSWORD',
  'PLATFORM_USER',
  'PLATFORM_PASSWORD',
  'OWNER_USER',
  'OWNER_PASSWORD',
  'POOLER_PORT',
] as const;

/** Reads and validates the settings `ref` points to (not `control`: the app's own settings). */
export function readPlacementConnection(
  placementName: string,
  ref: string,
  env: NodeJS.ProcessEnv = process.env,
): PlacementConnection {
  const { raw, describe } = rawSettings(placementName, ref, env);
  const settings = plainToInstance(PlacementConnection, {
    ...raw,
    PORT: toPort(raw.PORT),
    POOLER_PORT: raw.POOLER_PORT === undefined ? undefined : toPort(raw.POOLER_PORT),
  });
  const [first] = validateSync(settings);
  if (first) {
    throw new PlacementConfigError(
      `placement ${placementName}: ${describe(first.property)} is ${
        raw[first.property as (typeof KEYS)[number]] === undefined ? 'missing' : 'invalid'
      }`,
    );
  }
  return settings;
}

function rawSettings(
  placementName: string,
  ref: string,
  env: NodeJS.ProcessEnv,
): { raw: Partial<Record<(typeof KEYS)[number], string>>; describe: (key: string) => string } {
  const envRef = /^env:([A-Z0-9_]{1,40})$/.exec(ref);
  if (envRef) {
    const prefix = `PLACEMENT_${envRef[1]}_`;
    const raw = Object.fromEntries(
      KEYS.filter((key) => env[prefix + key] !== undefined && env[prefix + key] !== '').map(
        (key) => [key, env[prefix + key] as string],
      ),
    );
    return { raw, describe: (key) => prefix + key };
  }
  const fileRef = /^file:(\/\S+)$/.exec(ref);
  if (fileRef) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(fileRef[1], 'utf8'));
    } catch (error) {
      throw new PlacementConfigError(
        `placement ${placementName}: cannot read ${fileRef[1]} (${(error as Error).message})`,
      );
    }
    const object = (parsed ?? {}) as Record<string, unknown>;
    const raw = Object.fromEntries(
      KEYS.filter((key) => object[key] !== undefined).map((key) => [key, String(object[key])]),
    );
    return { raw, describe: (key) => `${key} in ${fileRef[1]}` };
  }
  throw new PlacementConfigError(
    `placement ${placementName}: connection_ref ${ref} is neither env:NAME nor file:/path`,
  );
}

function toPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
}

/** The user and password one role logs in as. */
export function credentialsOf(
  settings: PlacementConnection,
  role: PlacementRole | 'owner',
  placementName: string,
): { username: string; password: string } {
  if (role === 'app') return { username: settings.APP_USER, password: settings.APP_PASSWORD };
  if (role === 'platform') {
    return { username: settings.PLATFORM_USER, password: settings.PLATFORM_PASSWORD };
  }
  if (!settings.OWNER_USER || !settings.OWNER_PASSWORD) {
    throw new PlacementConfigError(
      `placement ${placementName}: OWNER_USER and OWNER_PASSWORD are needed to migrate it`,
    );
  }
  return { username: settings.OWNER_USER, password: settings.OWNER_PASSWORD };
}

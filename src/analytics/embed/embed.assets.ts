import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { embedBundlePath } from './embed-bundle';

export interface EmbedScript {
  /** embed.<first 16 hex of its SHA-256>.js: a new build gets a new URL, so it can be cached for good. */
  fileName: string;
  body: Buffer;
  /** Subresource Integrity value for the page's <script integrity>. */
  integrity: string;
}

/**
 * The bundled embed script, read once at start (dist/embed/embed.js, see embed-bundle.ts). If it
 * was never built the app still starts; embed pages then say the dashboard cannot be shown, and
 * the log names the missing file and the command that builds it.
 */
@Injectable()
export class EmbedAssets implements OnModuleInit {
  private script: EmbedScript | null = null;

  constructor(private readonly logger: PinoLogger) {
    this.logger.setContext(EmbedAssets.name);
  }

  onModuleInit(): void {
    const path = embedBundlePath();
    try {
      const body = readFileSync(path);
      const hex = createHash('sha256').update(body).digest('hex');
      this.script = {
        fileName: `embed.${hex.slice(0, 16)}.js`,
        body,
        integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
      };
    } catch {
      this.logger.warn(
        { path },
        'embed bundle not found: embedded dashboards cannot be shown until `npm run build:embed` makes it',
      );
    }
  }

  get current(): EmbedScript | null {
    return this.script;
  }
}

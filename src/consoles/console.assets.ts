import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  WEB_APPS,
  webManifestPath,
  webOutputDirectory,
  type WebApp,
  type WebAppManifest,
  type WebManifest,
} from './web-bundle';

export interface ConsoleBuild {
  manifest: WebAppManifest;
  /** Every built file by name, read once at start (a few dozen KiB). */
  files: Map<string, Buffer>;
}

/**
 * The consoles' built files (dist/web, see web-bundle.ts), read once at start. When they were
 * never built the app still starts; /console and /app then answer 503 with the command that
 * builds them, and the log says the same.
 */
@Injectable()
export class ConsoleAssets implements OnModuleInit {
  private readonly builds = new Map<WebApp, ConsoleBuild>();

  constructor(private readonly logger: PinoLogger) {
    this.logger.setContext(ConsoleAssets.name);
  }

  onModuleInit(): void {
    let manifest: WebManifest;
    try {
      manifest = JSON.parse(readFileSync(webManifestPath(), 'utf8')) as WebManifest;
    } catch {
      this.logger.warn(
        { path: webManifestPath() },
        'console bundles not found: /console and /app answer 503 until `npm run build:web` makes them',
      );
      return;
    }
    for (const app of WEB_APPS) {
      const files = new Map<string, Buffer>();
      for (const name of Object.keys(manifest[app]?.files ?? {})) {
        files.set(name, readFileSync(join(webOutputDirectory(app), name)));
      }
      this.builds.set(app, { manifest: manifest[app], files });
    }
  }

  build(app: WebApp): ConsoleBuild | undefined {
    return this.builds.get(app);
  }
}

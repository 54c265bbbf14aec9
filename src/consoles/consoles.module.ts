import { Module } from '@nestjs/common';
import { ConsoleAssets } from './console.assets';
import { ConsolePagesController } from './console-pages.controller';

/** The web consoles' pages and files (the consoles themselves are src/web, built by esbuild). */
@Module({
  controllers: [ConsolePagesController],
  providers: [ConsoleAssets],
})
export class ConsolesModule {}

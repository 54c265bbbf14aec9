import 'reflect-metadata';
import { benchHostLookup, printHostLookup } from './tls-ask.bench';

/** `npm run bench:hosts`: custom-domain Host resolution and the TLS ask endpoint under load. */
async function main(): Promise<void> {
  printHostLookup(await benchHostLookup((line) => process.stderr.write(`[bench] ${line}\n`)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});

import { Command, Option } from 'commander';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { debugStacks } from '../config/environment.ts';
import { setLogFormat } from '../util/log.ts';
import { LOG_FORMATS, type LogFormat } from '../util/log-format.ts';

/**
 * The `bridgeface` CLI. Every `commands/*.ts` module exports `register(program)`; they are discovered
 * at start so adding a command is adding a file. Expected failures (errors carrying a string `code`:
 * bad data, missing model, undecodable image, …) print one line and exit 1; anything else also exits 1
 * and prints its stack only with BRIDGEFACE_DEBUG=1, since a stack dump helps developers, not users.
 */
interface CommandModule {
  register(program: Command): void;
}

function isCommandModule(m: unknown): m is CommandModule {
  return typeof m === 'object' && m !== null && typeof (m as { register?: unknown }).register === 'function';
}

async function registerCommands(program: Command): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    try {
      const mod: unknown = await import(pathToFileURL(join(dir, file)).href);
      if (!isCommandModule(mod)) throw new Error('it does not export register(program)');
      mod.register(program);
    } catch (err) {
      // One broken command must not take the others down; say which and why.
      process.stderr.write(`bridgeface: command module ${file} not loaded: ${describe(err)}\n`);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isExpected(err: unknown): boolean {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = new Command('bridgeface')
    .description('Low-resolution face recognition for CCTV (bridge distillation) — tools and pipeline')
    .version(version, '-V, --version', 'print the version')
    .addOption(
      new Option('--log-format <format>', 'log lines: human (readable) or json (for collectors)')
        .choices(LOG_FORMATS)
        .env('BRIDGEFACE_LOG_FORMAT')
        .default('human'),
    )
    .hook('preAction', (cmd) => setLogFormat(cmd.opts<{ logFormat: LogFormat }>().logFormat))
    .showHelpAfterError('(run with --help for usage)');
  await registerCommands(program);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    process.stderr.write(`bridgeface: ${describe(err)}\n`);
    if (debugStacks() && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    else if (!isExpected(err)) process.stderr.write('(set BRIDGEFACE_DEBUG=1 for the stack trace)\n');
    return 1;
  }
}

process.exitCode = await main();

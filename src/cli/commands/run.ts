import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { runRoles, type Role } from '../../../workers/run-roles.ts';

interface RunOptions {
  readonly config: string;
  readonly role: 'all' | Role;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run the distributed pipeline (Redis + BullMQ) from a config file until stopped')
    .requiredOption('--config <file>', 'pipeline config (YAML or JSON), see config/example.yaml')
    .addOption(
      new Option('--role <role>', 'which workers to run in this process')
        .choices(['all', 'camera', 'embed'])
        .default('all'),
    )
    .action(async (o: RunOptions) => {
      const config = await loadConfig(o.config);
      await runRoles(config, o.role === 'all' ? ['embed', 'camera'] : [o.role]);
    });
}

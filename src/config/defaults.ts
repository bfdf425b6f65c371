import { configSchema, type BridgefaceConfig } from './schema.ts';

/**
 * Every default of the pipeline config, as the schema fills them for an empty file (no environment
 * overrides). Modules' own `DEFAULT_*` option constants are read from here, so a default is written
 * once, in the schema.
 */
export const CONFIG_DEFAULTS: Readonly<BridgefaceConfig> = deepFreeze(configSchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

import { InvalidArgumentError } from 'commander';
import { loadConfig, parseConfig } from '../config/load-config.ts';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import type { BridgefaceConfig } from '../config/schema.ts';
import type { ProbeRouting } from '../models/size-routed.ts';

/** Commander parser for options that must be positive integers; the message names the option. */
export function positiveInt(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
    return n;
  };
}

/**
 * Commander parser for a face size in px or `off`, e.g. `--teacher-from` (embed.teacherFromPx). `off`
 * stays a string: commander turns a parser's null into ''. `offToNull` gives the config's form.
 */
export function pxOrOff(what: string): (value: string) => number | 'off' {
  const px = positiveInt(what);
  return (value) => (value === 'off' ? 'off' : px(value));
}

export function offToNull(value: number | 'off' | null): number | null {
  return value === 'off' ? null : value;
}

/** The probe routing `--blend-from` / `--teacher-from` give, with the config's default blend shares. */
export function routingFromFlags(
  blendFrom: number | 'off' | null,
  teacherFrom: number | 'off' | null,
): ProbeRouting {
  return {
    blendFromPx: offToNull(blendFrom),
    teacherFromPx: offToNull(teacherFrom),
    blendWeights: CONFIG_DEFAULTS.embed.blendWeights,
  };
}

/** Commander parser for options that must be positive numbers (not necessarily whole). */
export function positiveNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a positive number`);
    return n;
  };
}

/** Commander parser for options that must be whole numbers ≥ 0 (seeds, counts that may be zero). */
export function nonNegativeInt(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(`${what} must be a non-negative integer`);
    }
    return n;
  };
}

/** Commander parser for a number in [min, max]; the message names the option and the range. */
export function numberIn(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be a number in [${min}, ${max}]`);
    }
    return n;
  };
}

/** The config file when given, else every default (Redis and prefix still come from the environment). */
export function configOrDefaults(path: string | undefined): Promise<Readonly<BridgefaceConfig>> {
  return path ? loadConfig(path) : Promise.resolve(parseConfig({}));
}

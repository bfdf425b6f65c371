/** Options as callers pass them: any key may be left out or set to `undefined`. */
export type OptionsInput<T> = { readonly [K in keyof T]?: T[K] | undefined };

/**
 * `defaults` overlaid with the options that are set. Unlike `{ ...defaults, ...options }`, an option
 * passed as `undefined` (e.g. an optional CLI flag forwarded as is) keeps its default instead of wiping it.
 */
export function withDefaults<T extends object>(defaults: T, options: OptionsInput<T> = {}): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import { z } from 'zod';

/**
 * Zod as Fastify's schema language: routes declare zod schemas for params, querystring and body;
 * the validator compiler parses with them (so handlers get parsed, typed values), and the swagger
 * transform turns them into JSON Schema for /docs.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  readonly validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  readonly serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

function isZod(schema: unknown): schema is z.ZodType {
  return schema instanceof z.ZodType;
}

export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) => {
  if (!isZod(schema)) throw new Error('route schemas must be zod schemas');
  return (data: unknown) => {
    const result = schema.safeParse(data ?? undefined);
    return result.success ? { value: result.data } : { error: result.error };
  };
};

/** One line per problem: `body.fps: Too big: expected number to be <=60`. */
export function describeZodError(error: z.ZodError, where?: string): string[] {
  return error.issues.map((i) => {
    const path = [where, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.');
    return `${path || '(root)'}: ${i.message}`;
  });
}

function toJsonSchema(schema: unknown): unknown {
  if (!isZod(schema)) return schema;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const PARTS = ['params', 'querystring', 'body', 'headers'] as const;

/** @fastify/swagger `transform`: zod route schemas → JSON Schema. */
export function swaggerTransform({ schema, url }: { schema: unknown; url: string }): {
  schema: Record<string, unknown>;
  url: string;
} {
  const out: Record<string, unknown> = { ...((schema ?? {}) as Record<string, unknown>) };
  for (const part of PARTS) if (out[part] !== undefined) out[part] = toJsonSchema(out[part]);
  if (out.response && typeof out.response === 'object') {
    const res: Record<string, unknown> = {};
    for (const [code, s] of Object.entries(out.response)) res[code] = toJsonSchema(s);
    out.response = res;
  }
  return { schema: out, url };
}

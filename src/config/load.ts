import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigFile } from './schema.ts';

/** Reads a YAML (or JSON) config file; `${VAR}` in it is replaced by the environment variable. */
export function loadConfigFile(path: string): ConfigFile {
  const text = readFileSync(path, 'utf8').replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => process.env[name] ?? '');
  const parsed = ConfigFile.safeParse(parse(text));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid config file ${path}:\n${issues}`);
  }
  return parsed.data;
}

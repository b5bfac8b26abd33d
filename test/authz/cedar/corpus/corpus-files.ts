import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type JsonValue, parseLossless } from './lossless-json.ts';

/** A Cedar value in Cedar's entity/context JSON (with i64 integers kept exact). */
export type CedarJson = JsonValue;

export interface CedarUid {
  type: string;
  id: string;
}

export interface CedarEntity {
  uid: CedarUid;
  attrs: Record<string, CedarJson>;
  parents: CedarUid[];
  tags?: Record<string, CedarJson>;
}

export interface CorpusRequest {
  description: string;
  principal: CedarUid;
  action: CedarUid;
  resource: CedarUid;
  context: Record<string, CedarJson>;
  validateRequest: boolean;
  decision: 'allow' | 'deny';
  reason: string[];
  errors: string[];
}

/** One corpus test: a policy set, a schema and entities, and requests with their expected answers. */
export interface CorpusTest {
  name: string;
  policiesText: string;
  schemaText: string;
  entities: CedarEntity[];
  shouldValidate: boolean;
  requests: CorpusRequest[];
}

/** The corpus archive's files, unpacked in memory (3.9 MB of gzip, 143 MB of JSON and Cedar). */
export interface CorpusFiles {
  read(path: string): string;
  /** The names of the corpus tests (the `corpus-tests/<hash>.json` files), sorted. */
  testNames(): string[];
}

/**
 * Unpacks a `.tar.gz` into memory. Writing 31,236 files to disk and deleting them again took longer
 * than the whole unpacking; a tar is 512-byte headers each followed by the file's padded bytes.
 */
export function readCorpusArchive(archive: string): CorpusFiles {
  const tar = gunzipSync(readFileSync(archive));
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, ''); // GNU long name for the next entry
      continue;
    }
    if (type === 'x') {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (path) longName = path[1]; // pax extended header
      continue;
    }
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === '0' || type === '7') files.set(name.replace(/^\.\//, ''), body);
  }
  return {
    read(path) {
      const file = files.get(path);
      if (!file) throw new Error(`${path} is not in ${archive}`);
      return file.toString('utf8');
    },
    testNames: () =>
      [...files.keys()]
        .map((f) => /^corpus-tests\/([0-9a-f]+)\.json$/.exec(f)?.[1])
        .filter((n): n is string => n !== undefined)
        .sort(),
  };
}

/** Reads one test and the files it names; paths in a test are relative to the archive's root. */
export function loadCorpusTest(files: CorpusFiles, name: string): CorpusTest {
  const read = (file: string) => files.read(file);
  const test = parseLossless(read(`corpus-tests/${name}.json`)) as unknown as {
    policies: string;
    entities: string;
    schema: string;
    shouldValidate: boolean;
    requests: CorpusRequest[];
    policyFormat?: string;
    schemaFormat?: string;
  };
  if ((test.policyFormat ?? 'cedar') !== 'cedar' || (test.schemaFormat ?? 'cedar') !== 'cedar') {
    throw new TypeError(`${name}: only Cedar-syntax policies and schemas are handled`);
  }
  return {
    name,
    policiesText: read(test.policies),
    schemaText: read(test.schema),
    entities: parseLossless(read(test.entities)) as unknown as CedarEntity[],
    shouldValidate: test.shouldValidate,
    requests: test.requests.map((r) => ({ ...r, validateRequest: r.validateRequest ?? true })),
  };
}

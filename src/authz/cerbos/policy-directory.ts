import { watch, type FSWatcher } from 'node:fs';
import type { CerbosPdp } from './pdp.ts';

/**
 * Loads a policy directory and keeps loading it when files change. A change that does not compile
 * is reported and ignored: the last good set keeps deciding, as in Cerbos.
 */
export async function watchPolicyDirectory(pdp: CerbosPdp, dir: string, log: { info(msg: string): void; error(msg: string): void }): Promise<{ close(): void }> {
  const count = await pdp.loadDirectory(dir);
  log.info(`loaded ${count} Cerbos policies from ${dir}`);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const reload = () => {
    pdp.loadDirectory(dir).then(
      (n) => log.info(`reloaded ${n} Cerbos policies from ${dir}`),
      (e: unknown) => log.error(`Cerbos policies in ${dir} not reloaded:\n${(e as Error).message}`),
    );
  };
  try {
    watcher = watch(dir, { recursive: true }, () => {
      // Editors write in several steps; wait for the burst to end.
      clearTimeout(timer);
      timer = setTimeout(reload, 250);
    });
  } catch (e) {
    log.error(`cannot watch ${dir}: ${(e as Error).message}; policies load once`);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/**
 * Things to undo if the bench is interrupted (Ctrl-C): servers to close, temp dirs and databases to
 * drop. Normal runs undo them in `finally` blocks and unregister; this only covers signals.
 */
const pending: Array<() => Promise<void>> = [];
let handling = false;

export function onInterrupt(undo: () => Promise<void>): () => void {
  pending.push(undo);
  return () => {
    const i = pending.indexOf(undo);
    if (i >= 0) pending.splice(i, 1);
  };
}

async function interrupted(signal: NodeJS.Signals): Promise<void> {
  if (handling) return;
  handling = true;
  process.stderr.write(`\n${signal}: cleaning up…\n`);
  // Last registered first: servers close before their databases are dropped.
  for (const undo of pending.splice(0).reverse()) {
    try {
      await undo();
    } catch (e) {
      process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  process.exit(130);
}

// `on`, not `once`: Ctrl-C reaches every process of the group and tsx relays it too, so a second
// signal must not kill the process halfway through cleaning up.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, (s) => void interrupted(s));

/**
 * Whether a JSON value nests deeper than `limit`. Measured without recursion, so a hostile value
 * cannot exhaust the stack while being measured; code that recurses over values checks this first.
 */
export function nestedDeeperThan(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** How deep request and policy values may nest: far beyond real policies and attributes. */
export const MAX_JSON_DEPTH = 64;

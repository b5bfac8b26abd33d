/** The calls fixtures/handlers.mjs records on globalThis (handlers run in the test's own process). */
export interface RecordedCall {
  event: Record<string, unknown>;
  functionName?: string;
  remainingMs?: number;
}

const store = globalThis as unknown as { __triggerCalls?: RecordedCall[] };

export function resetRecordedCalls(): void {
  store.__triggerCalls = [];
}

export function recordedCalls(): RecordedCall[] {
  return store.__triggerCalls ?? [];
}

// The bridge and the test runner share one machine and so one wall clock, the Date.now() that the
// bridge compares its deadlines against. A case that needs such a deadline to pass (a login
// request's expires_at, a lock's locked_until, a session's signed_in_at plus its maximum age)
// reads the instant the bridge stored and waits for exactly that, rather than sleeping a fixed
// time with a margin on top.

/** Resolves once Date.now() is at or past `epochMs`: from then on the bridge reads the deadline as passed. */
export async function untilClockPasses(epochMs: number): Promise<void> {
  // A timer may fire a millisecond before the wall clock gets there, hence the loop.
  while (Date.now() < epochMs) await new Promise((resolve) => setTimeout(resolve, epochMs - Date.now()))
}

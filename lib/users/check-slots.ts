// Password checks run argon2 on libuv's thread pool (4 threads by default), which DNS lookups and
// file I/O share: a flood of sign-ins that queued there would also stall the Scalekit calls of the
// logins under way. So the process runs at most a few checks at once and refuses the rest at once.

export class PasswordChecksBusy extends Error {
  constructor() {
    super('too many password checks are running; try again in a moment')
    this.name = 'PasswordChecksBusy'
  }
}

/** A gate for at most `limit` concurrent runs; beyond it, `run` throws PasswordChecksBusy without waiting. */
export function createCheckSlots(limit: number) {
  let running = 0
  return {
    get running() {
      return running
    },
    async run<T>(check: () => Promise<T>): Promise<T> {
      if (running >= limit) throw new PasswordChecksBusy()
      running += 1
      try {
        return await check()
      } finally {
        running -= 1
      }
    },
  }
}

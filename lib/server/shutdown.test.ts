import { beforeEach, describe, expect, it, vi } from 'vitest'
import { drain, inFlight, inFlightCount, isDraining, onShutdown } from './shutdown'

// The graceful shutdown's order: draining at once, the logins in flight finished (or abandoned at
// the timeout), then the listener closed, then each hook, once.

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

describe('drain', () => {
  beforeEach(() => {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('byoa-bridge.shutdown')]
    vi.spyOn(console, 'log').mockImplementation(() => {})
  })

  it('turns draining at once, waits for the logins in flight, then closes the listener, then runs the hooks', async () => {
    const steps: string[] = []
    const login = deferred()
    const completion = inFlight(async () => {
      await login.promise
      steps.push('login answered')
      return 'completed'
    })
    onShutdown('outbox', async () => void steps.push('outbox flushed'))
    onShutdown('traces', async () => void steps.push('traces exported'))
    expect(inFlightCount()).toBe(1)

    const drained = drain(5000, { stopAccepting: async () => void steps.push('listener closed') })
    expect(isDraining()).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(steps).toEqual([])

    login.resolve()
    expect(await completion).toBe('completed')
    expect(await drained).toEqual({ finished: true, abandoned: 0 })
    expect(steps).toEqual(['login answered', 'listener closed', 'outbox flushed', 'traces exported'])
    expect(inFlightCount()).toBe(0)
  })

  it('gives up on a login still in flight at the timeout, and still closes and flushes', async () => {
    const steps: string[] = []
    void inFlight(() => new Promise<void>(() => {}))
    onShutdown('outbox', async () => void steps.push('outbox flushed'))
    const started = Date.now()
    const result = await drain(100, { stopAccepting: async () => void steps.push('listener closed') })
    expect(result).toEqual({ finished: false, abandoned: 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(95)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(steps).toEqual(['listener closed', 'outbox flushed'])
  })

  it('runs each hook once, however often it is asked, and a hook registered twice under one name once', async () => {
    const runs = { first: 0, replaced: 0, failing: 0, after: 0 }
    onShutdown('outbox', async () => void (runs.first += 1))
    onShutdown('outbox', async () => void (runs.replaced += 1))
    onShutdown('failing', async () => {
      runs.failing += 1
      throw new Error('receiver gone')
    })
    onShutdown('after', async () => void (runs.after += 1))
    const [one, two] = await Promise.all([drain(1000), drain(1000)])
    expect(await drain(1000)).toBe(one)
    expect(two).toEqual({ finished: true, abandoned: 0 })
    expect(runs).toEqual({ first: 0, replaced: 1, failing: 1, after: 1 })
  })

  it('bounds a hook that never ends by what is left of the timeout (at least a second)', async () => {
    onShutdown('stuck', () => new Promise<void>(() => {}))
    const started = Date.now()
    expect(await drain(200)).toEqual({ finished: true, abandoned: 0 })
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(950)
    expect(took).toBeLessThan(3000)
  })
})

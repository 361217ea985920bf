import { describe, expect, it } from 'vitest'
import { createCheckSlots, PasswordChecksBusy } from './check-slots'

describe('password check slots (case 31)', () => {
  it('case 31: runs at most `limit` checks at once and refuses the next at once instead of queueing it', async () => {
    const slots = createCheckSlots(2)
    const releases: Array<() => void> = []
    const held = () => new Promise<string>((resolve) => releases.push(() => resolve('done')))
    const first = slots.run(held)
    const second = slots.run(held)
    expect(slots.running).toBe(2)
    const started = Date.now()
    await expect(slots.run(held)).rejects.toBeInstanceOf(PasswordChecksBusy)
    expect(Date.now() - started).toBeLessThan(50)
    releases.forEach((release) => release())
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done'])
    expect(slots.running).toBe(0)
    await expect(slots.run(async () => 'again')).resolves.toBe('again')
  })

  it('gives its slot back when a check fails', async () => {
    const slots = createCheckSlots(1)
    await expect(slots.run(async () => Promise.reject(new Error('broken')))).rejects.toThrow('broken')
    await expect(slots.run(async () => 'next')).resolves.toBe('next')
  })
})

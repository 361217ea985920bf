import { describe, expect, it } from 'vitest'
import { redactFinding, secretValues } from './findings'
import { SESSION_SECRET, WRONG_SECRET } from './testing'

describe('secrets', () => {
  it('redacts every secret value of the environment, and the DATABASE_URL password', () => {
    const secrets = secretValues({
      SESSION_SECRET,
      SCALEKIT_CLIENT_SECRET: WRONG_SECRET,
      DATABASE_URL: 'postgres://bridge:pg-pass%2Fword@db:5432/bridge',
    })
    const finding = redactFinding(
      { id: 'x', status: 'fail', summary: `echo ${WRONG_SECRET} and ${SESSION_SECRET}`, fix: 'password pg-pass/word' },
      secrets,
    )
    expect(finding).toEqual({ id: 'x', status: 'fail', summary: 'echo [redacted] and [redacted]', fix: 'password [redacted]' })
  })
})

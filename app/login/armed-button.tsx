'use client'

import { useEffect, useState, type ReactNode } from 'react'

/** How long the page must be visible and focused before a completing button works. */
const ARM_MS = 1000

/**
 * A completing button ("Continue as", "Sign in with ..."): inactive until the page has been
 * visible and focused for a moment, and again after any blur or change of visibility, so a click
 * meant for another page (a double click a hostile page asked for) cannot land on it. Rendered
 * active on the server, so the form works without JavaScript; the server checks the time as well
 * (lib/login/served-at.ts).
 */
export function ArmedButton({ className, children }: { className: string; children: ReactNode }) {
  const [armed, setArmed] = useState(true)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const rearm = () => {
      clearTimeout(timer)
      setArmed(false)
      if (document.visibilityState === 'visible' && document.hasFocus()) timer = setTimeout(() => setArmed(true), ARM_MS)
    }
    rearm()
    window.addEventListener('focus', rearm)
    window.addEventListener('blur', rearm)
    document.addEventListener('visibilitychange', rearm)
    return () => {
      clearTimeout(timer)
      window.removeEventListener('focus', rearm)
      window.removeEventListener('blur', rearm)
      document.removeEventListener('visibilitychange', rearm)
    }
  }, [])
  return (
    // aria-disabled, not disabled: the button stays in the tab order (a keyboard user tabbing past it
    // in its first second would otherwise never meet it), and a click or key press on it does nothing.
    <button
      type="submit"
      className={`${className} aria-disabled:cursor-not-allowed aria-disabled:opacity-60`}
      aria-disabled={armed ? undefined : true}
      data-armed={armed ? 'true' : 'false'}
      onClick={(event) => {
        if (!armed) event.preventDefault()
      }}
    >
      {children}
    </button>
  )
}

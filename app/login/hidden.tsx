import type { LoginRequestParams } from '@/lib/login/request'

/** The login request a form acts on (and its server); a completing form also carries when its page was served. */
export function Hidden({ loginRequestId, state, server, served }: LoginRequestParams & { served?: string }) {
  return (
    <>
      <input type="hidden" name="login_request_id" value={loginRequestId} />
      <input type="hidden" name="state" value={state} />
      {server ? <input type="hidden" name="server" value={server} /> : null}
      {served ? <input type="hidden" name="served" value={served} /> : null}
    </>
  )
}

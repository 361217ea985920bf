import type { ServerResponse } from 'node:http'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { JWTPayload } from 'jose'
import { escapeHtml } from './http-helpers'

// The demo MCP client's pages: one card per MCP server, then, after a login, the steps that just
// happened as the client saw them. Inline CSS in the bridge's look (slate greys, rounded cards, the
// system font); nothing is loaded from anywhere else.

export interface DemoServerEntry {
  key: string
  /** Its button reads "Connect to {name}". */
  name: string
  mcpUrl: string
  /** The bridge's login endpoint Scalekit sends people to for this server, for the steps. */
  loginUrl?: string
  /** Who the bridge admits to it, in words ("everyone who signs in"). */
  access?: string
}

export interface DemoAccount {
  email: string
  password: string
  note: string
}

/** What the client saw of one login: where discovery led, and what it registered as. */
export interface FlowReport {
  server: DemoServerEntry
  authorizationServer?: string
  authorizeEndpoint?: string
  tokenEndpoint?: string
  clientId?: string
}

type StepStatus = 'ok' | 'bad' | 'skip'
interface Step {
  status: StepStatus
  title: string
  label: string
  body: string
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f8fafc;color:#0f172a;font:14px/1.55 ui-sans-serif,system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
main{max-width:760px;margin:0 auto;padding:48px 16px 64px}
h1{font-size:20px;font-weight:600;letter-spacing:-.01em;margin:0}
h2{font-size:15px;font-weight:600;margin:0 0 10px}
p{margin:6px 0}
.lead{color:#475569;margin-top:8px}
.muted{color:#64748b}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:16px;box-shadow:0 1px 2px rgba(15,23,42,.05);padding:24px;margin-top:16px}
.grid{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(280px,1fr))}
.grid .card{margin-top:0;display:flex;flex-direction:column;gap:8px}
.grid form{margin-top:auto;padding-top:8px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
code{background:#f1f5f9;border-radius:4px;padding:1px 5px;word-break:break-all}
pre{background:#f8fafc;border:1px solid #e2e8f0;border-radius:8px;padding:12px;margin:0;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.button{display:inline-flex;justify-content:center;width:100%;border:0;border-radius:8px;background:#0f172a;color:#fff;padding:10px 16px;font:inherit;font-weight:500;cursor:pointer;text-decoration:none}
.button:hover{background:#334155}
.button.secondary{background:#fff;color:#1e293b;border:1px solid #cbd5e1;width:auto}
.button.secondary:hover{background:#f8fafc}
:focus-visible{outline:2px solid #0f172a;outline-offset:2px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:500}
.ok{background:#ecfdf5;color:#065f46}
.bad{background:#fef2f2;color:#991b1b}
.skip{background:#f1f5f9;color:#64748b}
.alert{margin-top:16px;border-radius:12px;border:1px solid #fecaca;background:#fef2f2;color:#991b1b;padding:12px 16px;font-weight:500}
ol.steps{list-style:none;margin:0;padding:0}
ol.steps li{display:grid;grid-template-columns:28px 1fr;gap:12px;padding:12px 0;border-top:1px solid #f1f5f9}
ol.steps li:first-child{border-top:0;padding-top:0}
.dot{width:28px;height:28px;border-radius:999px;display:flex;align-items:center;justify-content:center;font-size:12px;font-weight:600}
.step-title{font-weight:600}
.step-title span{font-weight:400;color:#64748b}
li.skip-step{color:#94a3b8}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:6px 8px;border-top:1px solid #f1f5f9;vertical-align:top}
td code{word-break:normal;white-space:nowrap}
th{font-size:12px;font-weight:500;color:#64748b;text-transform:uppercase;letter-spacing:.04em;border-top:0}
.actions{margin-top:16px}
`

export function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
  )
}

const code = (value: string) => `<code>${escapeHtml(value)}</code>`

function header(title: string, lead: string): string {
  return `<header><h1>${escapeHtml(title)}</h1><p class="lead">${lead}</p></header>`
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function renderHomePage(servers: DemoServerEntry[], accounts: DemoAccount[]): string {
  const cards = servers.map(
    (server) =>
      `<section class="card"><h2>${escapeHtml(capitalised(server.name))}</h2><p>${code(server.mcpUrl)}</p>` +
      (server.access ? `<p class="muted">Who may use it: ${escapeHtml(server.access)}</p>` : '') +
      `<form method="post" action="/connect"><input type="hidden" name="server" value="${escapeHtml(server.key)}">` +
      `<button type="submit" class="button">Connect to ${escapeHtml(server.name)}</button></form></section>`,
  )
  const rows = accounts.map((a) => `<tr><td>${code(a.email)}</td><td>${code(a.password)}</td><td>${escapeHtml(a.note)}</td></tr>`)
  return (
    header(
      'Demo MCP client',
      'A web MCP client, as ChatGPT or Claude would be. Connect it to an MCP server: it finds Scalekit, registers, ' +
        'and sends you to sign in through the bridge. This page then shows each step and the access token.',
    ) +
    `<div class="grid" style="margin-top:24px">${cards.join('')}</div>` +
    (rows.length
      ? `<section class="card"><h2>Accounts to try</h2><table><tr><th>Email</th><th>Password</th><th>Who they are</th></tr>${rows.join('')}</table></section>`
      : '')
  )
}

function renderSteps(steps: Step[]): string {
  const items = steps.map((step, index) => {
    const mark = step.status === 'ok' ? '&#10003;' : step.status === 'bad' ? '&#10005;' : String(index + 1)
    return (
      `<li class="${step.status === 'skip' ? 'skip-step' : ''}" data-step-status="${step.status}"><span class="dot ${step.status}">${mark}</span>` +
      `<div><div class="step-title">${escapeHtml(step.title)} <span>· ${escapeHtml(step.label)}</span></div><p>${step.body}</p></div></li>`
    )
  })
  return `<section class="card"><h2>What just happened</h2><ol class="steps" data-testid="steps">${items.join('')}</ol></section>`
}

/** Step 1, the same whatever the outcome: discovery, registration and the authorization request. */
function authorizationStep(report: FlowReport): Step {
  const where = report.authorizationServer ? `Scalekit (${code(report.authorizationServer)})` : 'Scalekit'
  return {
    status: 'ok',
    title: 'Client → Scalekit',
    label: 'authorization request',
    body:
      `${escapeHtml(capitalised(report.server.name))} (${code(report.server.mcpUrl)}) answered 401 and named ${where} as its ` +
      `authorization server. The client registered there${report.clientId ? ` as ${code(report.clientId)}` : ''} and sent your ` +
      `browser to ${report.authorizeEndpoint ? code(report.authorizeEndpoint) : 'its authorization endpoint'} with a PKCE challenge.`,
  }
}

function stringClaim(claims: JWTPayload, name: string): string {
  const value = claims[name]
  return typeof value === 'string' ? value : ''
}

function admittedSteps(report: FlowReport, claims: JWTPayload): Step[] {
  const { server } = report
  const who = escapeHtml(stringClaim(claims, 'email') || String(claims.sub ?? 'you'))
  const endpoint = server.loginUrl ? code(server.loginUrl) : 'the bridge'
  const expires = typeof claims.exp === 'number' ? `, valid until ${escapeHtml(new Date(claims.exp * 1000).toISOString())}` : ''
  const audience = typeof claims.aud === 'string' ? ` for ${code(claims.aud)}` : ''
  const token = report.tokenEndpoint ? code(report.tokenEndpoint) : 'Scalekit’s token endpoint'
  return [
    authorizationStep(report),
    {
      status: 'ok',
      title: 'Scalekit → bridge',
      label: 'sign-in',
      body: `Scalekit created a login request and sent your browser to the bridge’s login endpoint, ${endpoint}. You signed in there as <strong>${who}</strong>.`,
    },
    {
      status: 'ok',
      title: 'Bridge policy',
      label: `admitted to ${server.name}`,
      body:
        `The bridge checked who may use ${escapeHtml(server.name)}${server.access ? ` (${escapeHtml(server.access)})` : ''} and admitted ${who}. ` +
        'It sent your details to Scalekit and returned your browser to Scalekit, which redirected it here with an authorization code.',
    },
    {
      status: 'ok',
      title: 'Back to the client',
      label: 'code exchanged',
      body: `The client exchanged the code and its PKCE verifier at ${token} for an access token${audience}${expires}. Its claims are below.`,
    },
    {
      status: 'ok',
      title: 'Client → MCP server',
      label: 'tool call',
      body: `The client called the tool ${code('whoami')} on ${code(server.mcpUrl)} with that token; the server checked it against Scalekit’s keys.`,
    },
  ]
}

export function renderResultPage(report: FlowReport, claims: JWTPayload, toolResult: CallToolResult): string {
  const toolText = toolResult.content.map((item) => (item.type === 'text' ? item.text : JSON.stringify(item))).join('\n')
  return (
    header(
      `Connected to ${report.server.name}`,
      '<span class="badge ok">admitted</span> The MCP client holds an access token and used it.',
    ) +
    renderSteps(admittedSteps(report, claims)) +
    `<section class="card"><h2>Access token claims</h2><pre data-testid="token-claims">${escapeHtml(JSON.stringify(claims, null, 2))}</pre></section>` +
    `<section class="card"><h2>Tool result: whoami</h2><pre data-testid="tool-result">${escapeHtml(toolText)}</pre></section>` +
    `<div class="actions"><a class="button secondary" href="/">Back to the client</a></div>`
  )
}

const ERROR_MEANINGS: Record<string, string> = {
  access_denied: 'the sign-in was cancelled at the bridge, so Scalekit issued no authorization code',
}

/** The OAuth error Scalekit sent back instead of a code, as the sentence the page leads with. */
function describeOAuthError(error: string, description: string | null): string {
  return `${error}: ${description || ERROR_MEANINGS[error] || 'the authorization server refused the request'}`
}

export function renderRefusedPage(report: FlowReport, error: string, description: string | null): string {
  const steps: Step[] = [
    authorizationStep(report),
    {
      status: 'bad',
      title: 'Scalekit → back to the client',
      label: 'no login',
      body:
        `Scalekit sent your browser back here with ${code(`error=${error}`)} instead of a code. ` +
        (error === 'access_denied'
          ? `The person at the bridge ${report.server.loginUrl ? `(${code(report.server.loginUrl)}) ` : ''}cancelled, for example after the bridge said the account cannot use ${escapeHtml(report.server.name)}.`
          : 'The authorization server refused the request.'),
    },
    { status: 'skip', title: 'Back to the client', label: 'no code to exchange', body: 'No access token was issued.' },
    { status: 'skip', title: 'Client → MCP server', label: 'no tool call', body: 'Without a token, the MCP server stays closed.' },
  ]
  return (
    header(
      `Not connected to ${report.server.name}`,
      '<span class="badge bad">refused</span> The login did not give the MCP client a token.',
    ) +
    `<p class="alert" role="alert" data-testid="demo-error">${escapeHtml(describeOAuthError(error, description))}</p>` +
    renderSteps(steps) +
    `<div class="actions"><a class="button secondary" href="/">Back to the client</a></div>`
  )
}

export function renderError(message: string): string {
  return (
    header('Demo MCP client', 'Something stopped this login.') +
    `<p class="alert" role="alert" data-testid="demo-error">${escapeHtml(message)}</p>` +
    `<div class="actions"><a class="button secondary" href="/">Start again</a></div>`
  )
}

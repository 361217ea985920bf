import 'server-only'
import QRCode from 'qrcode'

/** The otpauth:// URI as an SVG QR code in a data: URL (the CSP allows data: images), made on the server. */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

/** What an authenticator app shows as the account's issuer: the bridge's host name. */
export function totpIssuer(appUrl: string): string {
  return new URL(appUrl).host
}

import 'server-only'
import { getEnv } from '@/lib/env'
import { brandLogo } from '@/lib/brand/logo'

/**
 * The company's logo (BRAND_LOGO), served by the bridge itself (app/brand/logo) and versioned by its
 * hash, or nothing. The brand's name is always written beside it, so the image is decorative.
 */
export async function BrandLogo({ className }: { className: string }) {
  const logo = await brandLogo(getEnv().brand)
  if (!logo) return null
  // eslint-disable-next-line @next/next/no-img-element -- a fixed-size logo needs no image optimiser.
  return <img src={`/brand/logo?v=${logo.version}`} alt="" className={className} />
}

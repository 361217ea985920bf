/** The request header that carries the TCP peer's address, set by lib/startup.ts. */
export const PEER_ADDRESS_HEADER = 'x-bridge-peer-address'

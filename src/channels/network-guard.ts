/**
 * Keeps webhooks from becoming a way into Herald's own network (SSRF): a URL
 * anyone may register must not reach loopback, the cloud metadata service or
 * the private ranges behind the firewall. Checked twice: when a URL is
 * registered (its shape and literal addresses) and when a connection is made
 * (every address its name resolves to), so a name that later resolves
 * somewhere private (DNS rebinding) is still refused.
 */
import dns from "node:dns";
import net, { type LookupFunction } from "node:net";

/** [address, prefix length] of IPv4 ranges no webhook may reach. */
const FORBIDDEN_IPV4: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network", including the unspecified address
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, where cloud metadata services live
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, ending with the broadcast address
];

/** [address, prefix length] of IPv6 ranges no webhook may reach. */
const FORBIDDEN_IPV6: Array<[string, number]> = [
  ["::", 128],
  ["::1", 128],
  ["::", 96], // IPv4-compatible (deprecated); some stacks still route them to the IPv4 address
  ["fe80::", 10],
  ["fc00::", 7],
  ["ff00::", 8],
];

/** Where an IPv6 address embeds an IPv4 one that would be reached in its place. */
const NAT64_PREFIX = "64:ff9b::";

const forbidden = new net.BlockList();
for (const [address, prefix] of FORBIDDEN_IPV4) {
  // BlockList also applies IPv4 rules to IPv4-mapped IPv6 addresses (::ffff:10.0.0.1).
  forbidden.addSubnet(address, prefix, "ipv4");
  forbidden.addSubnet(NAT64_PREFIX + address, 96 + prefix, "ipv6");
}
for (const [address, prefix] of FORBIDDEN_IPV6) forbidden.addSubnet(address, prefix, "ipv6");

/** Thrown (through the `lookup` callback) when a host resolves to an address no webhook may reach. */
export class PrivateNetworkError extends Error {
  readonly code = "EHERALD_PRIVATE_NETWORK";
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, on a private network`);
    this.name = "PrivateNetworkError";
  }
}

/** Whether an IP address (v4 or v6) is outside every loopback, private, link-local and special range. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  return !forbidden.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Why a webhook URL is unacceptable, or null when it may be registered. Without
 * `allowPrivateNetworks`, only https is accepted and literal addresses must be
 * public; names are resolved only at connection time, by {@link guardedLookup}.
 */
export function checkWebhookUrl(url: string, options: { allowPrivateNetworks: boolean }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a valid URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    return "only http and https URLs can receive webhooks";
  // Credentials would be sent to whoever answers, and stored and logged with the URL.
  if (parsed.username || parsed.password) return "a webhook URL must not contain credentials";
  if (options.allowPrivateNetworks) return null;
  // The URL parser has already normalised 0x7f.1 and 2130706433 to 127.0.0.1.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(host) && !isPublicAddress(host)) return `${host} is on a private network`;
  if (parsed.protocol !== "https:") return "a webhook URL must use https";
  return null;
}

/**
 * A `lookup` for node:net/http/https that resolves every address of a name and
 * refuses them all with a {@link PrivateNetworkError} if any one is not public:
 * the connection then goes only to an address that was checked. Literal IP
 * hosts never reach a lookup, which is why senders also run {@link checkWebhookUrl}.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "");
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) return callback(new PrivateNetworkError(hostname, refused.address), "");
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: "ENOTFOUND" }), "");
    if (options.all) return callback(null, addresses);
    return callback(null, first.address, first.family);
  });
};

/**
 * Keeps webhooks from becoming a way into Herald's own network (SSRF): a URL
 * anyone may register must not reach loopback, the cloud metadata service,
 * the private ranges behind the firewall, or any other special-purpose range.
 * Checked twice: when a URL is registered (its shape and literal addresses)
 * and when a connection is made (every address its name resolves to), so a
 * name that later resolves somewhere private (DNS rebinding) is still refused.
 */
import dns from "node:dns";
import net, { type LookupFunction } from "node:net";

/**
 * IPv4 ranges no webhook may reach: every block of IANA's IPv4 Special-Purpose
 * Address Registry (RFC 6890), including the globally reachable ones (a
 * webhook has no business with anycast relays or AS112 either), plus multicast.
 * [address, prefix length, what it is and where it is defined].
 */
const SPECIAL_IPV4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, '"this network", with 0.0.0.0/32 "this host" (RFC 791, RFC 1122)'],
  ["10.0.0.0", 8, "private use (RFC 1918)"],
  ["100.64.0.0", 10, "shared address space, carrier-grade NAT (RFC 6598)"],
  ["127.0.0.0", 8, "loopback (RFC 1122)"],
  ["169.254.0.0", 16, "link local, where cloud metadata services live (RFC 3927)"],
  ["172.16.0.0", 12, "private use (RFC 1918)"],
  [
    "192.0.0.0",
    24,
    "IETF protocol assignments (RFC 6890): service continuity (RFC 7335), dummy address (RFC 7600), PCP and TURN anycast (RFC 7723, RFC 8155), NAT64/DNS64 discovery (RFC 8880)",
  ],
  ["192.0.2.0", 24, "documentation, TEST-NET-1 (RFC 5737)"],
  ["192.31.196.0", 24, "AS112-v4 (RFC 7535)"],
  ["192.52.193.0", 24, "AMT (RFC 7450)"],
  ["192.88.99.0", 24, "deprecated 6to4 relay anycast (RFC 7526)"],
  ["192.168.0.0", 16, "private use (RFC 1918)"],
  ["192.175.48.0", 24, "direct delegation AS112 service (RFC 7534)"],
  ["198.18.0.0", 15, "benchmarking (RFC 2544)"],
  ["198.51.100.0", 24, "documentation, TEST-NET-2 (RFC 5737)"],
  ["203.0.113.0", 24, "documentation, TEST-NET-3 (RFC 5737)"],
  ["224.0.0.0", 4, "multicast (RFC 5771)"],
  ["240.0.0.0", 4, "reserved (RFC 1112), ending with the limited broadcast address (RFC 8190)"],
];

/**
 * IPv6 ranges no webhook may reach: every block of IANA's IPv6 Special-Purpose
 * Address Registry (RFC 6890), and the deprecated and multicast ranges. The
 * ranges that embed an IPv4 address (IPv4-mapped and -compatible, NAT64 in
 * both its prefixes, 6to4, Teredo) are refused whole: what they would reach
 * is an IPv4 address the table above may refuse, and none is needed to post
 * a webhook. Besides, only global unicast (below) is acceptable at all.
 */
const SPECIAL_IPV6: Array<[string, number, string]> = [
  ["::", 128, "unspecified (RFC 4291)"],
  ["::1", 128, "loopback (RFC 4291)"],
  ["::", 96, "IPv4-compatible, deprecated; some stacks still route it to the IPv4 address (RFC 4291)"],
  ["::ffff:0:0", 96, "IPv4-mapped (RFC 4291)"],
  ["64:ff9b::", 96, "IPv4/IPv6 translation, NAT64 well-known prefix (RFC 6052)"],
  ["64:ff9b:1::", 48, "IPv4/IPv6 translation, local use (RFC 8215)"],
  ["100::", 64, "discard-only (RFC 6666)"],
  [
    "2001::",
    23,
    "IETF protocol assignments (RFC 2928): Teredo (RFC 4380), benchmarking (RFC 5180), AMT (RFC 7450), AS112-v6 (RFC 7535), ORCHID (RFC 4843, RFC 7343), anycast services",
  ],
  ["2001:db8::", 32, "documentation (RFC 3849)"],
  ["2002::", 16, "6to4 (RFC 3056)"],
  ["2620:4f:8000::", 48, "direct delegation AS112 service (RFC 7534)"],
  ["3fff::", 20, "documentation (RFC 9637)"],
  ["5f00::", 16, "segment routing (SRv6) SIDs (RFC 9602)"],
  ["fc00::", 7, "unique local (RFC 4193)"],
  ["fe80::", 10, "link-local unicast (RFC 4291)"],
  ["fec0::", 10, "site-local, deprecated (RFC 3879)"],
  ["ff00::", 8, "multicast (RFC 4291)"],
];

// Two lists: a BlockList also checks IPv4 addresses against its IPv6 rules (as
// IPv4-mapped addresses), which ::ffff:0:0/96 would match one and all.
const special4 = new net.BlockList();
for (const [address, prefix] of SPECIAL_IPV4) special4.addSubnet(address, prefix, "ipv4");
const special6 = new net.BlockList();
for (const [address, prefix] of SPECIAL_IPV6) special6.addSubnet(address, prefix, "ipv6");

/**
 * Global unicast, 2000::/3 (RFC 4291 section 2.4; IANA's IPv6 Address Space
 * registry): the rest of the IPv6 space is reserved or special (the dummy
 * prefix 100:0:0:1::/64, IPv4-translated ::ffff:0:0:0/96...), never a webhook's.
 */
const globalUnicast = new net.BlockList();
globalUnicast.addSubnet("2000::", 3, "ipv6");

/** Thrown (through the `lookup` callback) when a host resolves to an address no webhook may reach. */
export class PrivateNetworkError extends Error {
  readonly code = "EHERALD_PRIVATE_NETWORK";
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, a private or special-purpose address`);
    this.name = "PrivateNetworkError";
  }
}

/** Whether an IP address (v4 or v6) is outside every private, special-purpose and reserved range. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !special4.check(address, "ipv4");
  if (family !== 6) return false;
  // A zone (fe80::1%eth0) names a link: link-local, whatever the address.
  if (address.includes("%")) return false;
  return globalUnicast.check(address, "ipv6") && !special6.check(address, "ipv6");
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
  if (net.isIP(host) && !isPublicAddress(host)) return `${host} is a private or special-purpose address`;
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

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

/** A URL or address fetch_url will not reach, with why; thrown before any connection is made. */
export class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedAddressError";
  }
}

/**
 * Addresses a page fetched for a model must not reach unless private networks are allowed:
 * a page (or a redirect) naming them could read the machine's own services or a cloud's
 * metadata endpoint. Each range has a kind, used in the refusal message.
 */
const FORBIDDEN: [kind: string, family: "ipv4" | "ipv6", network: string, prefix: number][] = [
  ["unspecified", "ipv4", "0.0.0.0", 8],
  ["private", "ipv4", "10.0.0.0", 8],
  ["shared (carrier-grade NAT)", "ipv4", "100.64.0.0", 10],
  ["loopback", "ipv4", "127.0.0.0", 8],
  ["link-local or cloud metadata", "ipv4", "169.254.0.0", 16],
  ["private", "ipv4", "172.16.0.0", 12],
  ["reserved", "ipv4", "192.0.0.0", 24],
  ["private", "ipv4", "192.168.0.0", 16],
  ["benchmarking", "ipv4", "198.18.0.0", 15],
  ["multicast", "ipv4", "224.0.0.0", 4],
  ["reserved or broadcast", "ipv4", "240.0.0.0", 4],
  ["unspecified", "ipv6", "::", 128],
  ["loopback", "ipv6", "::1", 128],
  ["private (unique local) or cloud metadata", "ipv6", "fc00::", 7],
  ["link-local", "ipv6", "fe80::", 10],
  ["multicast", "ipv6", "ff00::", 8],
];

const blockLists = FORBIDDEN.map(([kind, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { kind, list };
});

/** The kind of forbidden range an IP address is in, or undefined when it may be reached. */
export function forbiddenKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped) return forbiddenKind(mapped);
  const type = family === 4 ? "ipv4" : "ipv6";
  return blockLists.find(({ list }) => list.check(address, type))?.kind;
}

/** Who may be reached: everything, or only public addresses (plus any a test permits by address). */
export type AddressPolicy = { allowPrivateNetwork: boolean; permitted?: readonly string[] };

/**
 * Checks a URL before any request: its scheme, and its host when that is an IP literal
 * (a name is checked after it resolves, in guardedLookup). Throws RefusedAddressError.
 */
export function checkUrl(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RefusedAddressError(`only http and https pages are fetched, not ${url.protocol.replace(/:$/, "")}:`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) checkAddress(host, url.hostname, policy);
}

function checkAddress(address: string, host: string, policy: AddressPolicy): void {
  if (policy.allowPrivateNetwork || policy.permitted?.includes(address)) return;
  const kind = forbiddenKind(address);
  if (kind) {
    const shown = host === address ? address : `${host} (${address})`;
    throw new RefusedAddressError(`refused to fetch ${shown}: a ${kind} address (set allow_private_network=true to allow it)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the sockets fetch_url opens: it resolves the name, then refuses
 * the connection when any address it resolved to is forbidden. Checking here,
 * where the socket gets its address, means the address checked is the address
 * connected to (a name cannot resolve to a public address for a check and a
 * private one for the connection).
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        for (const { address } of addresses) checkAddress(address, hostname, policy);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

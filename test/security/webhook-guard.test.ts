// Issue 9, item 11 (egress): webhooks reach public addresses only, not every
// IANA special-purpose range nor IPv4 hidden in IPv6; and what a failed
// attempt records tells an admin caller nothing about the network behind.
import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Channel, DeliverySchema, DeliveryStatus } from "../../gen/ts/herald/v1/notification_pb.js";
import { WebhookService } from "../../gen/ts/herald/v1/webhook_service_pb.js";
import { checkWebhookUrl, isPublicAddress } from "../../src/channels/network-guard.js";
import { connectClient, serviceClient } from "../helpers/clients.js";
import { startHerald, type TestHerald } from "../helpers/herald.js";
import { rejection, waitFor } from "../helpers/wait.js";

/** One address in (and, where it matters, at both ends of) each range that must be refused. */
const refused: Record<string, string[]> = {
  "0.0.0.0/8 this network": ["0.0.0.0", "0.1.2.3"],
  "10.0.0.0/8 private": ["10.0.0.1", "10.255.255.255"],
  "100.64.0.0/10 shared (CGN)": ["100.64.0.1", "100.127.255.254"],
  "127.0.0.0/8 loopback": ["127.0.0.1", "127.255.0.1"],
  "169.254.0.0/16 link local": ["169.254.169.254"],
  "172.16.0.0/12 private": ["172.16.0.1", "172.31.255.255"],
  "192.0.0.0/24 IETF protocol assignments": ["192.0.0.1", "192.0.0.9", "192.0.0.170"],
  "192.0.2.0/24 TEST-NET-1": ["192.0.2.2", "192.0.2.255"],
  "192.31.196.0/24 AS112-v4": ["192.31.196.1"],
  "192.52.193.0/24 AMT": ["192.52.193.1"],
  "192.88.99.0/24 6to4 relay anycast": ["192.88.99.1"],
  "192.168.0.0/16 private": ["192.168.1.1"],
  "192.175.48.0/24 AS112 direct delegation": ["192.175.48.1"],
  "198.18.0.0/15 benchmarking": ["198.18.0.1", "198.19.255.255"],
  "198.51.100.0/24 TEST-NET-2": ["198.51.100.7"],
  "203.0.113.0/24 TEST-NET-3": ["203.0.113.9"],
  "224.0.0.0/4 multicast": ["224.0.0.1", "239.255.255.250"],
  "240.0.0.0/4 reserved and broadcast": ["240.0.0.1", "255.255.255.255"],
  "::/128 and ::1/128": ["::", "::1"],
  "::/96 IPv4-compatible": ["::8.8.8.8", "::c000:202"],
  "::ffff:0:0/96 IPv4-mapped, even of a public address": ["::ffff:8.8.8.8", "::ffff:127.0.0.1", "::ffff:c000:202"],
  "64:ff9b::/96 NAT64": ["64:ff9b::8.8.8.8", "64:ff9b::c000:202", "64:ff9b::a00:1"],
  "64:ff9b:1::/48 local-use NAT64": ["64:ff9b:1::c000:202", "64:ff9b:1:ffff::1"],
  "100::/64 discard-only": ["100::1"],
  "2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID...)": ["2001::1", "2001:2::1", "2001:1ff::1"],
  "2001:db8::/32 documentation": ["2001:db8::1"],
  "2002::/16 6to4, even of a public address": ["2002:808:808::1", "2002:7f00:1::1"],
  "2620:4f:8000::/48 AS112": ["2620:4f:8000::1"],
  "3fff::/20 documentation": ["3fff::1", "3fff:fff::1"],
  "5f00::/16 SRv6 SIDs": ["5f00::1"],
  "fc00::/7 unique local": ["fc00::1", "fd12::1"],
  "fe80::/10 link-local": ["fe80::1", "febf::1"],
  "fec0::/10 site-local": ["fec0::1"],
  "ff00::/8 multicast": ["ff02::1"],
  "outside 2000::/3": ["4000::1", "100:0:0:1::1", "::ffff:0:808:808"],
};

/** Public neighbours of the ranges above: the guard must not refuse too much. */
const allowed = [
  "8.8.8.8",
  "1.1.1.1",
  "9.255.255.255",
  "11.0.0.1",
  "100.63.255.255",
  "100.128.0.1",
  "172.32.0.1",
  "192.0.1.1",
  "192.0.3.1",
  "198.17.255.255",
  "198.20.0.1",
  "203.0.114.1",
  "223.255.255.254",
  "2606:4700:4700::1111",
  "2001:4860:4860::8888",
  "2001:200::1",
  "2003::1",
  "2620:4f:8001::1",
];

describe("the webhook network guard", () => {
  for (const [range, addresses] of Object.entries(refused)) {
    it(`refuses ${range}`, () => {
      for (const address of addresses) {
        expect(isPublicAddress(address), address).toBe(false);
        const host = address.includes(":") ? `[${address}]` : address;
        expect(checkWebhookUrl(`https://${host}/hook`, { allowPrivateNetworks: false }), address).toMatch(
          /private or special-purpose address/,
        );
      }
    });
  }

  it("accepts public addresses next to those ranges", () => {
    for (const address of allowed) expect(isPublicAddress(address), address).toBe(true);
  });

  it("lets everything through with WEBHOOK_ALLOW_PRIVATE_NETWORKS", () => {
    for (const address of Object.values(refused).flat()) {
      const host = address.includes(":") ? `[${address}]` : address;
      expect(checkWebhookUrl(`https://${host}/hook`, { allowPrivateNetworks: true }), address).toBeNull();
    }
  });
});

describe("webhook endpoints over the API", () => {
  let guarded: TestHerald;
  let open: TestHerald;
  beforeAll(async () => {
    [guarded, open] = await Promise.all([
      startHerald({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: "false" } }),
      startHerald({ env: { DELIVERY_RETRY_SCHEDULE: "100ms" } }),
    ]);
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
  });

  it("cannot be registered on documentation, benchmarking or IPv4-embedding addresses", async () => {
    const webhooks = serviceClient(WebhookService, guarded.url, await guarded.apiKey(["admin"]));
    for (const url of [
      "https://192.0.2.2:38445/hook",
      "https://198.18.0.1/hook",
      "https://[64:ff9b:1::c000:202]/hook",
      "https://[2002:c000:202::1]/hook",
      "https://[::ffff:c000:202]/hook",
      "https://[fec0::1]/hook",
    ]) {
      const error = ConnectError.from(await rejection(webhooks.createWebhookEndpoint({ url })));
      expect(error.code, url).toBe(Code.InvalidArgument);
      expect(error.rawMessage, url).toMatch(/private or special-purpose address/);
    }
    expect((await webhooks.listWebhookEndpoints({})).endpoints).toEqual([]);
  });

  it("record a failed attempt as a category, without the address, port or errno", async () => {
    const key = await open.apiKey(["admin"]);
    // A loopback port nobody listens on (allowed here: this Herald allows private networks).
    const url = "http://127.0.0.1:9/hook";
    await serviceClient(WebhookService, open.url, key).createWebhookEndpoint({ url });
    const admin = connectClient(open.url, key);
    const sent = await admin.send({ userIds: ["scan"], category: "c", title: "t", body: "b" });
    const id = sent.notifications[0]?.id as string;
    const webhook = await waitFor(
      async () => {
        const { deliveries } = await admin.getNotification({ id });
        const d = deliveries.find((x) => x.channel === Channel.WEBHOOK);
        return d !== undefined && d.status === DeliveryStatus.DEAD ? d : undefined;
      },
      20_000,
      "the webhook delivery to die",
    );
    const errors = [webhook.lastError, ...webhook.attemptHistory.map((a) => a.error)];
    expect(new Set(errors)).toEqual(new Set(["connection refused"]));
    expect(toJsonString(DeliverySchema, webhook)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\b/);
  });
});

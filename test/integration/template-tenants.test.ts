import { expect, it } from "vitest";
import type { ChannelCatalog } from "../../src/domain/channel.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import type { NotificationDraft } from "../../src/domain/notification.js";
import { templateStore } from "../../src/store/template-store.js";
import { createContentRenderer } from "../../src/templates/content-renderer.js";
import { useMigratedDatabase } from "../helpers/migrated-database.js";

// The content renderer reads the Send's tenant's templates, and its cache of
// compiled templates is per tenant: two tenants' templates of the same key,
// channel, locale and even the same change time render each their own.
const database = useMigratedDatabase();

const catalog: ChannelCatalog = new Map([
  [
    "in_app",
    {
      id: "in_app",
      label: "In-app",
      targets: ["inbox"],
      content: {
        parts: { title: { maxChars: 200 }, body: { maxChars: 5_000 } },
        fromDraft: (n) => ({ title: n.title, body: n.body }),
      },
    },
  ],
]);

const draft = (templateKey: string): NotificationDraft => ({
  userIds: ["same-user"],
  category: "c",
  title: "",
  body: "",
  actionUrl: "",
  data: { name: "Ann" },
  priority: "normal",
  templateKey,
  channels: [],
  idempotencyKey: "",
  sendAt: null,
  workflow: "",
  cancellationKey: "",
});

it("renders each tenant's own template of a key, and none of another tenant's", async () => {
  await database.db.exec("INSERT INTO tenants (id, name) VALUES ('tt-a', 'A'), ('tt-b', 'B') ON CONFLICT DO NOTHING");
  const renderer = createContentRenderer({
    db: database.db,
    contents: catalog,
    defaultLocale: "en",
    renderBudgetMs: 250,
    renderMaxIterations: 10_000,
    renderMaxBytes: 4_194_304,
    maxExpressions: 2_000,
  });
  const put = (tenant: string, title: string) =>
    templateStore.upsert(database.db, tenant, {
      key: "hello",
      channel: "in_app",
      locale: "en",
      content: { title, body: "{{name}}" },
      updatedAt: null,
    });
  await put("tt-a", "A says hi");

  const fromA = await renderer.forSend("tt-a", draft("hello"));
  expect(fromA("in_app", "en")).toEqual({ title: "A says hi", body: "Ann" });
  // B has no template of the key: refused as for any unknown key.
  await expect(renderer.forSend("tt-b", draft("hello"))).rejects.toThrow(InvalidArgumentError);
  await expect(renderer.forSend("tt-b", draft("hello"))).rejects.toThrow(/no template has the key "hello"/);

  // B's own template of the key, with the very same change time as A's: the
  // compiled-template cache must not hand B what it compiled for A.
  await put("tt-b", "B says hi");
  await database.db.exec("UPDATE templates SET updated_at = '2026-01-01T00:00:00Z' WHERE key = 'hello'");
  expect((await renderer.forSend("tt-a", draft("hello")))("in_app", "en").title).toBe("A says hi");
  expect((await renderer.forSend("tt-b", draft("hello")))("in_app", "en").title).toBe("B says hi");
});

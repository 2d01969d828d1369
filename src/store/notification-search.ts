import type { Channel, Delivery, DeliveryStatus } from "../domain/notification.js";
import type { Queryable } from "./database.js";
import { type DeliveryRow, deliveryColumns, toDelivery } from "./rows.js";

/** What SearchNotifications filters on; null matches everything. Every filter set must match. */
export interface SearchFilters {
  userId: string | null;
  category: string | null;
  deliveryStatus: DeliveryStatus | null;
  channel: Channel | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
  idempotencyKey: string | null;
  notificationId: string | null;
  /** The template the Send named (checked on each notification, like the category). */
  templateKey: string | null;
}

/** One search call: the tenant, the filters, where the previous page ended, and how much to read. */
export interface SearchQuery {
  /** Only this tenant's notifications are found, whatever the filters. */
  tenantId: string;
  filters: SearchFilters;
  /** Only notifications with an id below this one (the previous page's end); null for the first page. */
  beforeId: string | null;
  limit: number;
  /** Most notifications one call examines (see searchPage). */
  scanBudget: number;
  /** Most deliveries in a rare status read to find their notifications (see rareStatuses). */
  statusBudget: number;
}

/** A page of ids, newest first, and where the next page starts (null: no more). */
export interface SearchPage {
  ids: string[];
  nextBeforeId: string | null;
}

/**
 * Statuses few deliveries are in at a time: a search by one of them starts
 * from deliveries_by_status. The others (sent, suppressed, canceled: most of
 * the table) are checked on each notification examined instead.
 */
const rareStatuses: readonly DeliveryStatus[] = ["scheduled", "pending", "sending", "failed", "dead"];

/**
 * A notification's id may be a little later than its created_at (the id is
 * drawn just after the Send's clock is read), never earlier: created_before
 * bounds ids with this much slack, and created_at itself decides.
 */
const idSlackMs = 60_000;

/** The smallest UUIDv7 of a millisecond: ids at or after it were made at or after that time. */
export function uuidFloor(ms: number): string {
  const hex = Math.max(0, Math.min(ms, 2 ** 48 - 1))
    .toString(16)
    .padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8)}-0000-0000-000000000000`;
}

/**
 * SearchNotifications' reads. Newest first by id (UUIDv7, time-ordered; the
 * primary key). A call walks one "window": the notifications its most
 * selective indexed filter yields, newest first, at most `scanBudget` of
 * them: a notification id (the primary key), an idempotency key (the
 * idempotency_keys primary key, probed for each API key), a user
 * (notifications_by_user), a rare delivery status (deliveries_by_status, its
 * newest `statusBudget` deliveries), or else every notification (the primary
 * key), within the id range the time filters allow. The other filters are
 * checked on each notification of the window. So one call examines at most
 * `scanBudget` notifications, whatever the filters: when the window ends
 * before the page is full, the page is short (even empty) and its next token
 * continues below the window.
 *
 * The caller's tenant is checked on every notification and delivery read. The
 * indexed windows (user, status, idempotency key) are the tenant's own, their
 * indexes leading with tenant_id; the window of every notification walks the
 * primary key, all tenants' notifications, so that a call stays bounded: a
 * tenant with few of the newest notifications gets short pages there.
 */
export const notificationSearch = {
  async searchPage(q: Queryable, query: SearchQuery): Promise<SearchPage> {
    const page = searchStatement(query);
    const rows = await q.rows<{ id: string }>(page.text, page.values);
    const ids = rows.slice(0, query.limit).map((r) => r.id);
    if (rows.length > query.limit) return { ids, nextBeforeId: ids.at(-1) ?? null };
    // A short page: the search is over unless the window stopped at its budget.
    const { window: ends, bind: endsBind } = windowSql(query, "n.id");
    const [end] = await q.rows<{ examined: number; last: string | null }>(
      `SELECT count(*)::int AS examined, min(w.id::text COLLATE "C") AS last FROM (${ends}) w`,
      endsBind,
    );
    return { ids, nextBeforeId: end !== undefined && end.examined >= query.scanBudget ? end.last : null };
  },

  /** The deliveries of these notifications, without attempt history, by notification id. */
  async deliveriesOf(
    q: Queryable,
    tenantId: string,
    notificationIds: readonly string[],
  ): Promise<Map<string, Delivery[]>> {
    const byNotification = new Map<string, Delivery[]>(notificationIds.map((id) => [id, []]));
    if (notificationIds.length === 0) return byNotification;
    const rows = await q.rows<DeliveryRow>(
      `SELECT ${deliveryColumns} FROM deliveries d WHERE d.tenant_id = $1 AND d.notification_id = ANY($2::uuid[])
       ORDER BY d.channel, d.target`,
      [tenantId, notificationIds],
    );
    for (const row of rows) byNotification.get(row.notification_id)?.push(toDelivery(row));
    return byNotification;
  },
};

/** The statement of a page's ids (exported for EXPLAIN in tests and benchmarks). */
export function searchStatement(query: SearchQuery): { text: string; values: unknown[] } {
  const { window, bind } = windowSql(query);
  const filters = checkedFilters(query, bind, "w");
  // Bound, not written in: a page size per statement would multiply the prepared statements.
  bind.push(query.limit + 1);
  return {
    text: `SELECT w.id FROM (${window}) w ${filters.length > 0 ? `WHERE ${filters.join(" AND ")}` : ""}
       ORDER BY w.id DESC LIMIT $${bind.length}`,
    values: bind,
  };
}

/**
 * A row count written into the statement, not bound. Herald's statements are
 * named prepared statements, and after five runs Postgres may switch one to a
 * generic plan made without its parameters' values; for LIMITs and the status
 * that choose the plan's shape that plan is slow (a search by dead deliveries
 * went from 20 ms to 130 ms after five calls). Literals give each shape its own
 * plan; the values are Herald's own constants and enum names, never user text,
 * so the statements stay few.
 */
function count(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a row count: ${n}`);
  return String(n);
}

/** The window's statement (see notificationSearch), selecting `columns`, and its parameters. */
function windowSql(
  query: SearchQuery,
  columns = "n.id, n.tenant_id, n.user_id, n.category, n.template_key, n.created_at",
) {
  const f = query.filters;
  const bind: unknown[] = [];
  const arg = (value: unknown) => {
    bind.push(value);
    return `$${bind.length}`;
  };
  // The id range paging and the time filters allow, on the column `id` names.
  const idRange = (id: string): string[] => [
    ...(query.beforeId === null ? [] : [`${id} < ${arg(query.beforeId)}::uuid`]),
    ...(f.createdBefore === null ? [] : [`${id} < ${arg(uuidFloor(f.createdBefore.getTime() + idSlackMs))}::uuid`]),
    ...(f.createdAfter === null ? [] : [`${id} >= ${arg(uuidFloor(f.createdAfter.getTime()))}::uuid`]),
  ];
  const and = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "");
  if (drivenByStatus(f)) {
    // The newest deliveries in the status, their notifications' ids sorted and cut to the
    // budget first, then one primary-key probe each. As a plain join (or IN) Postgres may
    // walk the whole primary key testing each id instead (seen at 10M rows: 0.8 s); the
    // LIMIT 1 keeps the lateral probe from being flattened into such a join.
    const channel = f.channel === null ? "" : ` AND d.channel = ${arg(f.channel)}`;
    const status = `SELECT d.notification_id FROM deliveries d
      WHERE d.tenant_id = ${arg(query.tenantId)} AND d.status = '${f.deliveryStatus /* one of rareStatuses */}'${channel}
      ORDER BY d.id DESC LIMIT ${count(query.statusBudget)}`;
    const ids = `SELECT DISTINCT s.notification_id AS id FROM (${status}) s ${and(idRange("s.notification_id"))}
      ORDER BY 1 DESC LIMIT ${count(query.scanBudget)}`;
    const window = `SELECT ${columns} FROM (${ids}) ids CROSS JOIN LATERAL
      (SELECT * FROM notifications n WHERE n.id = ids.id LIMIT 1) n ORDER BY n.id DESC`;
    return { window, bind };
  }
  const where = idRange("n.id");
  if (f.notificationId !== null) {
    where.push(`n.id = ${arg(f.notificationId)}::uuid`);
  } else if (f.idempotencyKey !== null) {
    // Keys are unique per API key: one primary-key probe per key of the tenant, never a scan.
    where.push(`n.tenant_id = ${arg(query.tenantId)}`);
    where.push(`n.id IN (SELECT unnest(k.notification_ids) FROM idempotency_keys k
      WHERE k.api_key_id = ANY(ARRAY(SELECT a.id FROM api_keys a WHERE a.tenant_id = $${bind.length}))
        AND k.key = ${arg(f.idempotencyKey)})`);
  } else if (f.userId !== null) {
    // notifications_by_user leads with the tenant.
    where.push(`n.tenant_id = ${arg(query.tenantId)}`, `n.user_id = ${arg(f.userId)}`);
  }
  const window = `SELECT ${columns} FROM notifications n ${and(where)} ORDER BY n.id DESC LIMIT ${count(query.scanBudget)}`;
  return { window, bind };
}

/** Whether the window starts from deliveries_by_status (no more selective filter is set). */
function drivenByStatus(f: SearchFilters): boolean {
  return (
    f.notificationId === null &&
    f.idempotencyKey === null &&
    f.userId === null &&
    f.deliveryStatus !== null &&
    rareStatuses.includes(f.deliveryStatus)
  );
}

/** The filters checked on each notification of the window (`w`), appending their parameters to `bind`. */
function checkedFilters(query: SearchQuery, bind: unknown[], w: string): string[] {
  const f = query.filters;
  const arg = (value: unknown) => {
    bind.push(value);
    return `$${bind.length}`;
  };
  // Every window's notifications are checked, also those the window already chose by tenant.
  const where = [`${w}.tenant_id = ${arg(query.tenantId)}`];
  if (f.userId !== null) where.push(`${w}.user_id = ${arg(f.userId)}`);
  if (f.category !== null) where.push(`${w}.category = ${arg(f.category)}`);
  if (f.templateKey !== null) where.push(`${w}.template_key = ${arg(f.templateKey)}`);
  if (f.createdAfter !== null) where.push(`${w}.created_at >= ${arg(f.createdAfter)}`);
  if (f.createdBefore !== null) where.push(`${w}.created_at < ${arg(f.createdBefore)}`);
  if ((f.deliveryStatus !== null && !drivenByStatus(f)) || f.channel !== null) {
    const status = f.deliveryStatus === null ? "" : ` AND d.status = ${arg(f.deliveryStatus)}`;
    const channel = f.channel === null ? "" : ` AND d.channel = ${arg(f.channel)}`;
    // deliveries_notification_channel_target: one short index probe per notification.
    where.push(
      `EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = ${w}.id AND d.tenant_id = ${w}.tenant_id${status}${channel})`,
    );
  }
  return where;
}

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type {
  NotificationSummary,
  OperatorService,
  SearchNotificationsRequestSchema,
} from "../../../gen/ts/herald/v1/operator_service_pb.js";

/** How many SearchNotifications calls one page may take (each examines at most 10,000 notifications). */
export const maxCallsPerPage = 8;

export interface FilledPage {
  notifications: NotificationSummary[];
  /** Where the next page starts; empty when the search is over. */
  nextPageToken: string;
}

/**
 * One page of a search, filled: SearchNotifications examines a bounded window
 * per call, so a page of a rare filter can come back short (even empty) with a
 * token to go on. This keeps asking until the page is full, the search is
 * over, or `maxCallsPerPage` calls were made (then the page is short and its
 * token still leads on, so "Next page" searches further back).
 */
export async function searchFilled(
  operator: Pick<Client<typeof OperatorService>, "searchNotifications">,
  request: MessageInitShape<typeof SearchNotificationsRequestSchema>,
  pageSize: number,
  signal: AbortSignal,
): Promise<FilledPage> {
  const notifications: NotificationSummary[] = [];
  let pageToken = request.pageToken ?? "";
  for (let call = 0; call < maxCallsPerPage; call++) {
    const response = await operator.searchNotifications(
      { ...request, pageToken, pageSize: pageSize - notifications.length },
      { signal },
    );
    notifications.push(...response.notifications);
    pageToken = response.nextPageToken;
    if (pageToken === "" || notifications.length >= pageSize) break;
  }
  return { notifications, nextPageToken: pageToken };
}

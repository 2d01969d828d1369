// Command inboxevents shows an inbox's states and the tenant's event stream,
// over gRPC (grpc-go):
//
//  1. opens EventService.WatchEvents (types notification.created, .seen and
//     .interacted) and waits for its first `synced`, so what follows is live;
//  2. sends a notification tagged `mention` with two actions (a named action
//     `approve` with a payload, and a link) and one tagged `billing`;
//  3. lists the inbox with three tabs (All, Mentions, Billing) and prints each
//     tab's unread and unseen counts and the bell's unseen count;
//  4. marks everything seen (MarkRead, CHANGE_KIND_SEEN): unseen drops to 0,
//     unread stays 2;
//  5. takes the action `approve` on the mention (InteractNotification): it is
//     recorded, and the notification becomes read and seen;
//  6. reads the stream until the `interacted` event of that notification
//     arrives (at most -timeout), printing each event of the user, then the
//     last cursor.
//
// Scopes: WatchEvents and List need `read`, Send `send`, MarkRead and
// InteractNotification for a user (user_id) `admin`, which covers the other
// two: one `admin` key runs it all. Counts are those of a fresh user. Against
// `npm start`, from examples/go:
//
//	HERALD_URL=http://127.0.0.1:8080 HERALD_API_KEY=hk_... go run ./inboxevents -user demo-user-1
//
// Stdout gets one JSON line per step; an error goes to stderr with its gRPC
// code, and the exit status is 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	heraldv1 "github.com/heraldhq/herald/gen/go/herald/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

func main() {
	user := flag.String("user", "demo-user", "the recipient")
	timeout := flag.Duration("timeout", 30*time.Second, "the longest the whole run may take")
	flag.Parse()
	if err := run(*user, *timeout); err != nil {
		if s, ok := status.FromError(err); ok {
			fmt.Fprintf(os.Stderr, "Herald said %s: %s\n", s.Code(), s.Message())
		} else {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(1)
	}
}

func run(user string, timeout time.Duration) error {
	base, key := os.Getenv("HERALD_URL"), os.Getenv("HERALD_API_KEY")
	if base == "" || key == "" {
		return errors.New("set HERALD_URL and HERALD_API_KEY (scope admin)")
	}
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	herald := heraldv1.NewNotificationServiceClient(conn)
	// The deadline bounds the whole run, the stream included: an interacted event
	// that never comes ends it with DEADLINE_EXCEEDED; cancel closes it when done.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)

	// No cursor: start at the head, live only. A backend that stored a cursor sets
	// Cursor and gets every event after it first (replay), then `synced`, then live ones.
	stream, err := heraldv1.NewEventServiceClient(conn).WatchEvents(ctx, &heraldv1.WatchEventsRequest{
		Types: []heraldv1.EventType{
			heraldv1.EventType_EVENT_TYPE_NOTIFICATION_CREATED,
			heraldv1.EventType_EVENT_TYPE_NOTIFICATION_SEEN,
			heraldv1.EventType_EVENT_TYPE_NOTIFICATION_INTERACTED,
		},
	})
	if err != nil {
		return err
	}
	// Without a cursor the first message is `synced`; events sent after it are live.
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	if first.GetSynced() == nil {
		return errors.New("the stream did not start with synced")
	}
	emit(map[string]any{"step": "synced", "cursor": first.GetSynced().GetCursor()})

	mentionID, err := inboxSteps(ctx, herald, user)
	if err != nil {
		return err
	}
	cursor, err := followEvents(stream, user, mentionID)
	if err != nil {
		return err
	}
	// A backend stores this cursor (with what it did with the events, in one
	// transaction) and passes it as WatchEventsRequest.Cursor when it reconnects, to
	// any Herald process: it gets every event after it exactly once, then `synced`,
	// then live events.
	emit(map[string]any{"step": "cursor", "cursor": cursor})
	return nil
}

// inboxSteps sends the two notifications, lists the tabs, marks all seen and
// takes the action; it returns the mention's id.
func inboxSteps(ctx context.Context, herald heraldv1.NotificationServiceClient, user string) (string, error) {
	// A named action: the inbox reports it with InteractNotification, and Herald gives
	// the payload back in the `interacted` event (to webhooks and the event stream).
	payload, err := structpb.NewStruct(map[string]any{"document": "launch-plan", "decision": "approved"})
	if err != nil {
		return "", err
	}
	mention, err := herald.Send(ctx, &heraldv1.SendRequest{
		UserIds: []string{user}, Category: "example.inbox", Body: "Sent by examples/go/inboxevents.",
		Title: "Ada mentioned you in the launch plan", Tags: []string{"mention"},
		Actions: []*heraldv1.Action{
			{Id: "approve", Label: "Approve", Payload: payload},
			{Id: "open", Label: "Open the plan", Url: "/docs/launch-plan"}, // a link the inbox opens
		},
	})
	if err != nil {
		return "", err
	}
	billing, err := herald.Send(ctx, &heraldv1.SendRequest{
		UserIds: []string{user}, Category: "example.inbox", Body: "Sent by examples/go/inboxevents.",
		Title: "Your invoice is ready", Tags: []string{"billing"},
	})
	if err != nil {
		return "", err
	}
	sent := mention.GetNotifications()[0]
	actions := []string{}
	for _, a := range sent.GetActions() {
		actions = append(actions, a.GetId())
	}
	emit(map[string]any{"step": "send", "mention": sent.GetId(), "billing": billing.GetNotifications()[0].GetId(), "actions": actions})

	// One List returns the counts of every tab, whatever the page: "All 2 · Mentions 1 · Billing 1".
	inbox, err := herald.List(ctx, &heraldv1.ListRequest{UserId: user, PageSize: 10, Tabs: []*heraldv1.Tab{
		{Id: "all"}, {Id: "mentions", Tags: []string{"mention"}}, {Id: "billing", Tags: []string{"billing"}},
	}})
	if err != nil {
		return "", err
	}
	tabs := []map[string]any{}
	for _, t := range inbox.GetTabCounts() {
		tabs = append(tabs, map[string]any{"id": t.GetId(), "unread": t.GetUnreadCount(), "unseen": t.GetUnseenCount()})
	}
	emit(map[string]any{"step": "tabs", "tabs": tabs, "unread": inbox.GetUnreadCount(), "unseen": inbox.GetUnseenCount()})

	// Seen is the bell badge (the user opened the list); read is each notification's dot.
	seen, err := herald.MarkRead(ctx, &heraldv1.MarkReadRequest{UserId: user, All: true, Change: heraldv1.ChangeKind_CHANGE_KIND_SEEN})
	if err != nil {
		return "", err
	}
	emit(map[string]any{"step": "seen", "changed": seen.GetChangedCount(), "unseen": seen.GetUnseenCount(), "unread": seen.GetUnreadCount()})

	acted, err := herald.InteractNotification(ctx, &heraldv1.InteractNotificationRequest{UserId: user, Id: sent.GetId(), ActionId: "approve"})
	if err != nil {
		return "", err
	}
	n := acted.GetNotification()
	emit(map[string]any{
		"step": "interact", "id": n.GetId(), "action": n.GetInteraction().GetActionId(),
		"read": n.GetReadTime() != nil, "unread": acted.GetUnreadCount(), "unseen": acted.GetUnseenCount(),
	})
	return sent.GetId(), nil
}

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

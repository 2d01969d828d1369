// Command snooze shows expiry and snooze over gRPC (grpc-go):
//
//  1. sends a notification that expires in an hour (ttl) and one that does
//     not;
//  2. snoozes the second for an hour (SnoozeNotifications): it leaves the
//     inbox and comes back, once and at the top, when the hour is up;
//  3. lists the inbox and the snoozed notifications (ListRequest.snoozed);
//  4. brings it back at once (UnsnoozeNotifications).
//
// HERALD_API_KEY needs the send and admin scopes (an API key snoozes for a
// user it names; a user token snoozes its own notifications). Human-readable
// errors go to stderr; stdout gets one JSON line per step.
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
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func main() {
	user := flag.String("user", "demo-user", "the recipient")
	flag.Parse()
	if err := run(*user); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(user string) error {
	base, key := os.Getenv("HERALD_URL"), os.Getenv("HERALD_API_KEY")
	if base == "" || key == "" {
		return errors.New("set HERALD_URL and HERALD_API_KEY (the key needs the send and admin scopes)")
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)

	flash, err := herald.Send(ctx, &heraldv1.SendRequest{
		UserIds: []string{user}, Category: "example.timed", Title: "Flash sale, one hour", Body: "Sent with grpc-go.",
		Ttl: durationpb.New(time.Hour), // at most one of Ttl and ExpireAt
	})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	later, err := herald.Send(ctx, &heraldv1.SendRequest{
		UserIds: []string{user}, Category: "example.timed", Title: "Read me later", Body: "Sent with grpc-go.",
	})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	emit(map[string]any{"step": "send", "expires": flash.GetNotifications()[0].GetExpireTime().GetSeconds()})

	laterID := later.GetNotifications()[0].GetId()
	snoozed, err := herald.SnoozeNotifications(ctx, &heraldv1.SnoozeNotificationsRequest{
		UserId: user, NotificationIds: []string{laterID}, SnoozeUntil: timestamppb.New(time.Now().Add(time.Hour)),
	})
	if err != nil {
		return fmt.Errorf("snooze: %w", err)
	}
	emit(map[string]any{"step": "snooze", "changed": snoozed.GetChangedCount(), "unread": snoozed.GetUnreadCount()})

	inbox, err := herald.List(ctx, &heraldv1.ListRequest{UserId: user})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	asleep, err := herald.List(ctx, &heraldv1.ListRequest{UserId: user, Snoozed: true})
	if err != nil {
		return fmt.Errorf("list snoozed: %w", err)
	}
	emit(map[string]any{"step": "list", "inbox": titles(inbox), "snoozed": titles(asleep)})

	woken, err := herald.UnsnoozeNotifications(ctx, &heraldv1.UnsnoozeNotificationsRequest{
		UserId: user, NotificationIds: []string{laterID},
	})
	if err != nil {
		return fmt.Errorf("unsnooze: %w", err)
	}
	emit(map[string]any{"step": "unsnooze", "changed": woken.GetChangedCount(), "unread": woken.GetUnreadCount()})
	return nil
}

func titles(page *heraldv1.ListResponse) []string {
	out := []string{}
	for _, n := range page.GetNotifications() {
		out = append(out, n.GetTitle())
	}
	return out
}

// emit prints one step as a JSON line on stdout.
func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

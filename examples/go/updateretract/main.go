// Command updateretract keeps one notification per thread, corrects it, then
// withdraws it, over gRPC (grpc-go):
//
//  1. sends three notifications of one thread (group_key) to -user: each Send
//     replaces the previous one of the thread, so the inbox shows one
//     "3 new comments" instead of three;
//  2. corrects the title (UpdateNotification): open inboxes get an `updated`
//     event carrying version 2;
//  3. withdraws it (RetractNotification): it leaves the inbox and its counts,
//     and its deliveries not yet made are canceled;
//  4. tries to update it again, which Herald refuses with FAILED_PRECONDITION.
//
// HERALD_API_KEY needs the send and read scopes. Stdout gets one JSON line per step.
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
	"google.golang.org/protobuf/proto"
)

const category = "example.thread"

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
		return errors.New("set HERALD_URL and HERALD_API_KEY (scopes send and read)")
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

	// One thread per post: each Send replaces the user's previous notification of the thread.
	thread := fmt.Sprintf("comments:post-42:%d", time.Now().UnixNano())
	latest := ""
	for count := 1; count <= 3; count++ {
		title := fmt.Sprintf("%d new comments on \"Launch plan\"", count)
		if count == 1 {
			title = "1 new comment on \"Launch plan\""
		}
		sent, err := herald.Send(ctx, &heraldv1.SendRequest{
			UserIds: []string{user}, Category: category, Title: title,
			Body: "Open the post to read them.", GroupKey: thread,
		})
		if err != nil {
			return fmt.Errorf("send: %w", err)
		}
		latest = sent.GetNotifications()[0].GetId()
	}
	inbox, err := herald.List(ctx, &heraldv1.ListRequest{UserId: user, Category: category})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	titles := []string{}
	for _, n := range inbox.GetNotifications() {
		titles = append(titles, n.GetTitle())
	}
	emit(map[string]any{"step": "thread", "titles": titles, "unread": inbox.GetUnreadCount()})

	// Optional fields: only those set change.
	updated, err := herald.UpdateNotification(ctx, &heraldv1.UpdateNotificationRequest{
		Id: latest, Title: proto.String("3 new comments on \"Launch plan (v2)\""),
	})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	n := updated.GetNotification()
	emit(map[string]any{"step": "update", "changed": updated.GetChanged(), "version": n.GetVersion(), "title": n.GetTitle()})

	retracted, err := herald.RetractNotification(ctx, &heraldv1.RetractNotificationRequest{Id: latest})
	if err != nil {
		return fmt.Errorf("retract: %w", err)
	}
	after, err := herald.List(ctx, &heraldv1.ListRequest{UserId: user, Category: category})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	emit(map[string]any{"step": "retract", "retracted": len(retracted.GetNotificationIds()), "left": len(after.GetNotifications())})

	_, err = herald.UpdateNotification(ctx, &heraldv1.UpdateNotificationRequest{Id: latest, Title: proto.String("too late")})
	emit(map[string]any{"step": "update_after_retract", "code": status.Code(err).String()})
	return nil
}

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

// Command topicsend sends one notification to every member of a topic, over
// gRPC (grpc-go):
//
//  1. creates the topic (ALREADY_EXISTS on a re-run is fine: it is reused);
//  2. adds -members users (<prefix>-0, <prefix>-1, ...) in calls of
//     -batch-size (AddSubscribers takes up to 10,000 ids per call);
//  3. sends to the topic, leaving out the member whose action caused it (the
//     "actor", <prefix>-0). Send returns a fan-out id at once, with no
//     notifications: workers write them in chunks;
//  4. polls GetFanout until it is DONE and prints planned/written;
//  5. lists one member's inbox, which now holds the notification.
//
// HERALD_ADMIN_KEY needs the admin scope (topics are managed with it; it may
// also send and read). Human-readable progress goes to stderr; stdout gets one
// JSON line per step.
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
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type options struct {
	topic, prefix     string
	members, batch    int
	timeout, interval time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.topic, "topic", "example.project.followers", "the topic's key")
	flag.StringVar(&o.prefix, "user-prefix", "demo-user", "members are <prefix>-0, <prefix>-1, ...")
	flag.IntVar(&o.members, "members", 2500, "how many members to add (at least 2)")
	flag.IntVar(&o.batch, "batch-size", 1000, "user ids per AddSubscribers call (1 to 10000)")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the fan-out")
	flag.DurationVar(&o.interval, "poll", 500*time.Millisecond, "how often to ask GetFanout")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	base, key := os.Getenv("HERALD_URL"), os.Getenv("HERALD_ADMIN_KEY")
	if base == "" || key == "" {
		return errors.New("set HERALD_URL and HERALD_ADMIN_KEY (the key needs the admin scope)")
	}
	if o.members < 2 || o.batch < 1 || o.batch > 10000 || o.interval <= 0 {
		return errors.New("-members must be at least 2, -batch-size 1 to 10000, -poll positive")
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
	topics, herald := heraldv1.NewTopicServiceClient(conn), heraldv1.NewNotificationServiceClient(conn)
	// One deadline for the whole run; every call carries the key as metadata.
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout+30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)

	created, err := ensureTopic(ctx, topics, o.topic)
	if err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	emit(map[string]any{"step": "topic", "key": o.topic, "created": created})
	if err := addMembers(ctx, topics, o); err != nil {
		return fmt.Errorf("add subscribers: %w", err)
	}

	actor, reader := o.prefix+"-0", o.prefix+"-1"
	sent, err := herald.Send(ctx, &heraldv1.SendRequest{
		Topics:         []string{o.topic},
		ExcludeUserIds: []string{actor}, // the actor does not need to hear about their own comment
		Category:       "example.topic",
		Title:          "New comment on the example project",
		Body:           actor + ": looks good to me",
		ActionUrl:      "/projects/example#comments",
	})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	emit(map[string]any{"step": "send", "fanout_id": sent.GetFanoutId()})

	f, err := waitForFanout(ctx, herald, sent.GetFanoutId(), o)
	if err != nil {
		return fmt.Errorf("get fan-out: %w", err)
	}
	step := map[string]any{"step": "fanout", "id": f.GetId(), "state": f.GetState().String(),
		"planned": f.GetPlanned(), "written": f.GetWritten(), "failed": f.GetFailed()}
	if f.GetError() != "" {
		step["error"] = f.GetError()
	}
	emit(step)

	inbox, err := herald.List(ctx, &heraldv1.ListRequest{UserId: reader, Category: "example.topic", PageSize: 5})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	titles := []string{}
	for _, n := range inbox.GetNotifications() {
		titles = append(titles, n.GetTitle())
	}
	emit(map[string]any{"step": "inbox", "user_id": reader, "titles": titles})
	return nil
}

// ensureTopic creates the topic; one that exists already (a re-run) is used as it is.
func ensureTopic(ctx context.Context, topics heraldv1.TopicServiceClient, key string) (bool, error) {
	_, err := topics.CreateTopic(ctx, &heraldv1.CreateTopicRequest{Key: key, Name: "Followers of the example project"})
	if status.Code(err) == codes.AlreadyExists {
		return false, nil
	}
	return err == nil, err
}

// addMembers adds <prefix>-0 ... <prefix>-(members-1), o.batch per call. Each
// call is all or nothing, and members already in are no error, so a failed
// call can simply be made again.
func addMembers(ctx context.Context, topics heraldv1.TopicServiceClient, o options) error {
	var added, count int64
	calls := 0
	for start := 0; start < o.members; start += o.batch {
		ids := make([]string, 0, o.batch)
		for i := start; i < o.members && i < start+o.batch; i++ {
			ids = append(ids, fmt.Sprintf("%s-%d", o.prefix, i))
		}
		res, err := topics.AddSubscribers(ctx, &heraldv1.AddSubscribersRequest{TopicKey: o.topic, UserIds: ids})
		if err != nil {
			return err
		}
		added += res.GetAddedCount()
		count = res.GetSubscriberCount()
		calls++
	}
	fmt.Fprintf(os.Stderr, "added %d members in %d calls; the topic has %d\n", added, calls, count)
	emit(map[string]any{"step": "subscribers", "added": added, "subscriber_count": count, "calls": calls})
	return nil
}

// waitForFanout polls GetFanout until the fan-out has finished (DONE or CANCELED).
func waitForFanout(ctx context.Context, herald heraldv1.NotificationServiceClient, id string, o options) (*heraldv1.Fanout, error) {
	deadline := time.Now().Add(o.timeout)
	for {
		res, err := herald.GetFanout(ctx, &heraldv1.GetFanoutRequest{Id: id})
		if err != nil {
			return nil, err
		}
		f := res.GetFanout()
		fmt.Fprintf(os.Stderr, "fan-out %s: %d of %d written\n", f.GetState(), f.GetWritten(), f.GetPlanned())
		switch f.GetState() {
		case heraldv1.FanoutState_FANOUT_STATE_DONE, heraldv1.FanoutState_FANOUT_STATE_CANCELED:
			return f, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("fan-out %s not finished after %s", id, o.timeout)
		}
		time.Sleep(o.interval)
	}
}

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

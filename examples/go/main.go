// Command example sends a notification through Herald with an idempotency key,
// retries it, lists the recipient's inbox, and shows a denied call, over gRPC
// (grpc-go) or the Connect protocol (connect-go). With HERALD_ADMIN_KEY set it
// also upserts an escalation workflow (in-app now; after a delay, email if
// still unread) with the WorkflowService client, sends a notification that runs
// it, and prints the run from ListWorkflowRuns.
//
// Human-readable progress goes to stderr; stdout gets one JSON line per step.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"connectrpc.com/connect"
	heraldv1 "github.com/heraldhq/herald/gen/go/herald/v1"
	"github.com/heraldhq/herald/gen/go/herald/v1/heraldv1connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// herald holds the calls this example makes, so the steps below read the same
// whichever transport carries them. Each call takes the API key to use.
type herald struct {
	send   func(context.Context, string, *heraldv1.SendRequest) (*heraldv1.SendResponse, error)
	list   func(context.Context, string, *heraldv1.ListRequest) (*heraldv1.ListResponse, error)
	denied func(error) bool
	// interact reports an action the user took (a user token's call, or an admin key's).
	interact func(context.Context, string, *heraldv1.InteractNotificationRequest) (*heraldv1.InteractNotificationResponse, error)
}

// withMetadata adapts a grpc-go call to take the key as per-call metadata, so
// one connection serves calls made with different keys.
func withMetadata[Req, Res any](call func(context.Context, *Req, ...grpc.CallOption) (*Res, error)) func(context.Context, string, *Req) (*Res, error) {
	return func(ctx context.Context, key string, req *Req) (*Res, error) {
		return call(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key), req)
	}
}

// withHeader adapts a connect-go call to take the key as a request header.
func withHeader[Req, Res any](call func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error)) func(context.Context, string, *Req) (*Res, error) {
	return func(ctx context.Context, key string, msg *Req) (*Res, error) {
		req := connect.NewRequest(msg)
		req.Header().Set("Authorization", "Bearer "+key)
		res, err := call(ctx, req)
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
}

func main() {
	transport := flag.String("transport", "grpc", "grpc or connect")
	user := flag.String("user", "demo-user", "recipient user id")
	idemKey := flag.String("idempotency-key", "", "idempotency key for Send (default: a random one)")
	escalateAfter := flag.Duration("escalate-after", time.Hour, "how long the workflow waits before emailing an unread notification")
	flag.Parse()
	if err := run(*transport, *user, *idemKey, *escalateAfter); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(transport, user, idemKey string, escalateAfter time.Duration) error {
	base, key := os.Getenv("HERALD_URL"), os.Getenv("HERALD_API_KEY")
	if base == "" || key == "" {
		return errors.New("set HERALD_URL and HERALD_API_KEY")
	}
	if idemKey == "" {
		idemKey = "example-" + rand.Text()
	}
	// One deadline for the whole run: an unreachable server fails instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	var h herald
	switch transport {
	case "grpc": // HTTP/2 cleartext to host:port
		u, err := url.Parse(base)
		if err != nil {
			return err
		}
		conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer conn.Close()
		c := heraldv1.NewNotificationServiceClient(conn)
		h = herald{withMetadata(c.Send), withMetadata(c.List),
			func(err error) bool { return status.Code(err) == codes.PermissionDenied },
			withMetadata(c.InteractNotification)}
	case "connect": // the Connect protocol works over HTTP/1.1: a plain http.Client will do
		c := heraldv1connect.NewNotificationServiceClient(http.DefaultClient, base)
		h = herald{withHeader(c.Send), withHeader(c.List),
			func(err error) bool { return connect.CodeOf(err) == connect.CodePermissionDenied },
			withHeader(c.InteractNotification)}
	default:
		return fmt.Errorf("unknown -transport %q (want grpc or connect)", transport)
	}

	// Both sends must be the same request: the same key with different content
	// is ALREADY_EXISTS rather than a retry.
	send := &heraldv1.SendRequest{
		UserIds:        []string{user},
		Category:       "example.go",
		Title:          "Hello from Go",
		Body:           "Sent with the Herald Go client.",
		IdempotencyKey: idemKey,
		// Tags drive the inbox's filters and tabs; actions are its buttons.
		Tags: []string{"example"},
		Actions: []*heraldv1.Action{
			{Id: "open", Label: "Open the docs", Url: "/docs"},
			{Id: "ack", Label: "Got it"},
		},
	}
	first, err := h.send(ctx, key, send)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	id := first.GetNotifications()[0].GetId()
	fmt.Fprintf(os.Stderr, "sent notification %s to %s (idempotency key %s)\n", id, user, idemKey)
	emit(map[string]any{"step": "send", "id": id, "transport": transport, "idempotency_key": idemKey})

	// A retry after a timeout or a crash looks exactly like this; Herald answers
	// with the original notification and delivers nothing twice.
	again, err := h.send(ctx, key, send)
	if err != nil {
		return fmt.Errorf("resend: %w", err)
	}
	againID := again.GetNotifications()[0].GetId()
	fmt.Fprintf(os.Stderr, "sent again with the same key: got %s (same: %t)\n", againID, againID == id)
	emit(map[string]any{"step": "resend", "id": againID, "same": againID == id})
	if againID != id {
		return errors.New("the retry created a second notification")
	}

	// One call returns the page and the unread count of every tab.
	list, err := h.list(ctx, key, &heraldv1.ListRequest{UserId: user, Tabs: []*heraldv1.Tab{
		{Id: "all"}, {Id: "examples", Tags: []string{"example"}},
	}})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	titles := []string{}
	for _, n := range list.GetNotifications() {
		titles = append(titles, n.GetTitle())
	}
	fmt.Fprintf(os.Stderr, "%s has %d unread: %q\n", user, list.GetUnreadCount(), titles)
	tabs := map[string]int32{}
	for _, t := range list.GetTabCounts() {
		tabs[t.GetId()] = t.GetUnreadCount()
	}
	emit(map[string]any{"step": "list", "unread": list.GetUnreadCount(), "titles": titles, "tabs": tabs})

	// The user pressed "Got it": Herald records it, reads the notification and
	// tells the user's open streams (an `interacted` event).
	if admin := os.Getenv("HERALD_ADMIN_KEY"); admin != "" {
		done, err := h.interact(ctx, admin, &heraldv1.InteractNotificationRequest{UserId: user, Id: id, ActionId: "ack"})
		if err != nil {
			return fmt.Errorf("interact: %w", err)
		}
		emit(map[string]any{"step": "interact", "action_id": done.GetNotification().GetInteraction().GetActionId(),
			"unread": done.GetUnreadCount()})
	}

	if readOnly := os.Getenv("HERALD_READ_ONLY_KEY"); readOnly == "" {
		fmt.Fprintln(os.Stderr, "HERALD_READ_ONLY_KEY not set: skipping the denied call")
	} else if err := denied(ctx, h, readOnly, send); err != nil {
		return err
	}

	admin := os.Getenv("HERALD_ADMIN_KEY")
	if admin == "" {
		fmt.Fprintln(os.Stderr, "HERALD_ADMIN_KEY not set: skipping the workflow")
		return nil
	}
	return escalate(ctx, h, key, admin, base, user, escalateAfter)
}

// denied shows that a key without the `send` scope must not send.
// PermissionDenied is an answer to act on (wrong key configured), not a
// failure to retry.
func denied(ctx context.Context, h herald, readOnly string, send *heraldv1.SendRequest) error {
	_, err := h.send(ctx, readOnly, send)
	switch {
	case h.denied(err):
		fmt.Fprintln(os.Stderr, "send with the read-only key was denied, as it should be")
		emit(map[string]any{"step": "denied", "code": "permission_denied"})
		return nil
	case err == nil:
		return errors.New("send with the read-only key succeeded")
	default:
		return fmt.Errorf("send with the read-only key: %w", err)
	}
}

// escalate upserts a workflow that shows a notification in-app at once and,
// if it is still unread after escalateAfter, emails it; then sends one
// notification through it and prints its run. WorkflowService needs the
// `admin` scope; it is called over Connect here whatever -transport says
// (heraldv1.NewWorkflowServiceClient is its grpc-go client).
func escalate(ctx context.Context, h herald, sendKey, adminKey, base, user string, escalateAfter time.Duration) error {
	workflows := heraldv1connect.NewWorkflowServiceClient(http.DefaultClient, base)
	step := func(s isStep) *heraldv1.WorkflowStep { return s.step() }
	// An upsert identical to the current version keeps it, so running this
	// again does not make a new version. The server must offer email (SMTP_URL).
	upsert, err := withHeader(workflows.UpsertWorkflow)(ctx, adminKey, &heraldv1.UpsertWorkflowRequest{
		Workflow: &heraldv1.Workflow{
			Key:         "example-escalation",
			Description: "In-app now; email if still unread after a while.",
			Steps: []*heraldv1.WorkflowStep{
				step(deliver{heraldv1.Channel_CHANNEL_IN_APP}),
				step(delay(escalateAfter)),
				step(condition("!notification.read")),
				step(deliver{heraldv1.Channel_CHANNEL_EMAIL}),
			},
		},
	})
	if err != nil {
		return fmt.Errorf("upsert workflow: %w", err)
	}
	wf := upsert.GetWorkflow()
	fmt.Fprintf(os.Stderr, "workflow %s is at version %d\n", wf.GetKey(), wf.GetVersion())
	emit(map[string]any{"step": "workflow", "key": wf.GetKey(), "version": wf.GetVersion()})

	// `workflow` names it explicitly; a workflow with `categories` would also
	// be picked by the Send's category. With a workflow, `channels` stays empty:
	// its deliver steps decide. The cancellation key lets
	// CancelWorkflows stop the escalation (say, once the comment is answered).
	sent, err := h.send(ctx, sendKey, &heraldv1.SendRequest{
		UserIds:         []string{user},
		Category:        "example.escalation",
		Title:           "New comment on your document",
		Body:            "Sent through the example-escalation workflow.",
		Workflow:        wf.GetKey(),
		CancellationKey: "example-" + rand.Text(),
	})
	if err != nil {
		return fmt.Errorf("send with the workflow: %w", err)
	}
	id := sent.GetNotifications()[0].GetId()

	runs, err := withHeader(workflows.ListWorkflowRuns)(ctx, adminKey, &heraldv1.ListWorkflowRunsRequest{NotificationId: id})
	if err != nil {
		return fmt.Errorf("list workflow runs: %w", err)
	}
	if len(runs.GetRuns()) != 1 {
		return fmt.Errorf("expected one run for %s, got %d", id, len(runs.GetRuns()))
	}
	r := runs.GetRuns()[0]
	steps := []map[string]any{}
	for _, s := range r.GetSteps() {
		fmt.Fprintf(os.Stderr, "  step %d %-9s %s %s\n", s.GetIndex(), s.GetKind(), s.GetState(), s.GetReason())
		steps = append(steps, map[string]any{"kind": s.GetKind(), "state": s.GetState().String(), "reason": s.GetReason()})
	}
	fmt.Fprintf(os.Stderr, "run %s of %s v%d for notification %s: %s\n",
		r.GetId(), r.GetWorkflowKey(), r.GetWorkflowVersion(), id, r.GetStatus())
	emit(map[string]any{"step": "workflow_run", "id": r.GetId(), "notification_id": id,
		"workflow_key": r.GetWorkflowKey(), "status": r.GetStatus().String(), "steps": steps})
	return nil
}

// The workflow's steps, built from small helpers so the workflow reads like
// its JSON form.
type isStep interface{ step() *heraldv1.WorkflowStep }

type deliver []heraldv1.Channel

func (d deliver) step() *heraldv1.WorkflowStep {
	return &heraldv1.WorkflowStep{Kind: &heraldv1.WorkflowStep_Deliver{Deliver: &heraldv1.DeliverStep{Channels: d}}}
}

type delay time.Duration

func (d delay) step() *heraldv1.WorkflowStep {
	return &heraldv1.WorkflowStep{Kind: &heraldv1.WorkflowStep_Delay{Delay: &heraldv1.DelayStep{
		Until: &heraldv1.DelayStep_Duration{Duration: durationpb.New(time.Duration(d))}}}}
}

type condition string

func (c condition) step() *heraldv1.WorkflowStep {
	return &heraldv1.WorkflowStep{Kind: &heraldv1.WorkflowStep_Condition{Condition: &heraldv1.ConditionStep{Expression: string(c)}}}
}

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

// Command example sends a notification through Herald with an idempotency key,
// retries it, lists the recipient's inbox, and shows a denied call, over gRPC
// (grpc-go) or the Connect protocol (connect-go).
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
)

// herald holds the calls this example makes, so the steps below read the same
// whichever transport carries them. Each call takes the API key to use.
type herald struct {
	send   func(context.Context, string, *heraldv1.SendRequest) (*heraldv1.SendResponse, error)
	list   func(context.Context, string, *heraldv1.ListRequest) (*heraldv1.ListResponse, error)
	denied func(error) bool
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
	flag.Parse()
	if err := run(*transport, *user, *idemKey); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(transport, user, idemKey string) error {
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
			func(err error) bool { return status.Code(err) == codes.PermissionDenied }}
	case "connect": // the Connect protocol works over HTTP/1.1: a plain http.Client will do
		c := heraldv1connect.NewNotificationServiceClient(http.DefaultClient, base)
		h = herald{withHeader(c.Send), withHeader(c.List),
			func(err error) bool { return connect.CodeOf(err) == connect.CodePermissionDenied }}
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

	list, err := h.list(ctx, key, &heraldv1.ListRequest{UserId: user})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	titles := []string{}
	for _, n := range list.GetNotifications() {
		titles = append(titles, n.GetTitle())
	}
	fmt.Fprintf(os.Stderr, "%s has %d unread: %q\n", user, list.GetUnreadCount(), titles)
	emit(map[string]any{"step": "list", "unread": list.GetUnreadCount(), "titles": titles})

	readOnly := os.Getenv("HERALD_READ_ONLY_KEY")
	if readOnly == "" {
		fmt.Fprintln(os.Stderr, "HERALD_READ_ONLY_KEY not set: skipping the denied call")
		return nil
	}
	// A key without the `send` scope must not send. PermissionDenied is an
	// answer to act on (wrong key configured), not a failure to retry.
	_, err = h.send(ctx, readOnly, send)
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

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

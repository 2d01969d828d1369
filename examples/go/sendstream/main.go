// Command sendstream streams many single-recipient notifications through one
// SendStream call and counts Herald's answers, then sends a few more in one
// SendBatch call; over gRPC (grpc-go) or the Connect protocol on HTTP/2
// (connect-go). One item of each is invalid on purpose: it is answered with
// its own error (code, message and the field at fault) and the others go on.
//
// Human-readable progress goes to stderr; stdout gets one JSON line per error
// and per call.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	heraldv1 "github.com/heraldhq/herald/gen/go/herald/v1"
)

func main() {
	transport := flag.String("transport", "grpc", "grpc or connect (both over HTTP/2)")
	prefix := flag.String("user-prefix", "demo-user", "recipients are <prefix>-0, <prefix>-1, ...")
	count := flag.Int("count", 100, "how many Sends to stream")
	batch := flag.Int("batch", 10, "how many Sends to make in one SendBatch afterwards (0: none, at most 1000)")
	flag.Parse()
	if err := run(*transport, *prefix, *count, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(transport, prefix string, count, batch int) error {
	base, key := os.Getenv("HERALD_URL"), os.Getenv("HERALD_API_KEY")
	if base == "" || key == "" {
		return errors.New("set HERALD_URL and HERALD_API_KEY (the key needs the send scope)")
	}
	if count < 1 || batch < 0 || batch > 1000 {
		return errors.New("-count must be at least 1 and -batch 0 to 1000")
	}
	h, err := dial(transport, base, key)
	if err != nil {
		return err
	}
	defer h.close()
	// One deadline for the whole run: an unreachable server fails instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if err := stream(ctx, h, transport, prefix, count); err != nil {
		return fmt.Errorf("send stream: %w", err)
	}
	if batch == 0 {
		return nil
	}
	if err := sendBatch(ctx, h, prefix, batch); err != nil {
		return fmt.Errorf("send batch: %w", err)
	}
	return nil
}

// stream sends count items on one SendStream while reading the answers. The
// two must run at once: Herald reads only a window of items ahead of its
// answers, so a client that sent everything before reading could stall.
func stream(ctx context.Context, h herald, transport, prefix string, count int) error {
	ctx, cancel := context.WithCancel(ctx) // ends the sender if reading fails
	defer cancel()
	s, err := h.sendStream(ctx)
	if err != nil {
		return err
	}
	// The item in the middle goes to a user id with a space, which Herald
	// refuses (ids are printable ASCII without spaces): only that item fails.
	invalid := count / 2
	go func() {
		for i := range count {
			user := fmt.Sprintf("%s-%d", prefix, i)
			if i == invalid {
				user = "not a user id"
			}
			err := s.Send(&heraldv1.SendStreamRequest{
				Ref: fmt.Sprintf("order-%d", i), // our own label, returned with the answer
				Send: &heraldv1.SendRequest{
					UserIds:  []string{user},
					Category: "example.stream",
					Title:    fmt.Sprintf("Order %d shipped", i),
					Body:     "Sent in a SendStream from Go.",
					// A retried stream with the same keys sends nothing twice.
					IdempotencyKey: fmt.Sprintf("example-stream-%s-%d", prefix, i),
				},
			})
			if err != nil {
				return // the stream broke: Recv below reports why
			}
		}
		s.CloseSend()
	}()

	sent, failed := 0, 0
	for {
		answer, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break // every item answered
		}
		if err != nil {
			// The whole stream failed (PERMISSION_DENIED, RESOURCE_EXHAUSTED for
			// too many open streams, a broken connection), unlike one item.
			return err
		}
		if e := answer.GetResult().GetError(); e != nil {
			failed++
			fmt.Fprintf(os.Stderr, "item %d (%s) failed: %s: %s\n", answer.GetIndex(), answer.GetRef(), e.GetCode(), e.GetMessage())
			emit(map[string]any{"step": "stream_error", "index": answer.GetIndex(), "ref": answer.GetRef(),
				"code": e.GetCode(), "field": e.GetField(), "message": e.GetMessage()})
		} else if answer.GetResult().GetSent() != nil {
			sent++
		}
	}
	fmt.Fprintf(os.Stderr, "streamed %d Sends over %s: %d sent, %d failed\n", count, transport, sent, failed)
	emit(map[string]any{"step": "stream", "transport": transport, "sent": sent, "errors": failed})
	return nil
}

// sendBatch makes n Sends in one unary call (which, unlike SendStream, also
// works over HTTP/1.1 and from browsers). The last item links to
// `//evil.example`, which browsers would resolve to another host: Herald
// refuses it, naming action_url, and sends the rest.
func sendBatch(ctx context.Context, h herald, prefix string, n int) error {
	items := make([]*heraldv1.SendRequest, n)
	for i := range items {
		link := "/digest"
		if i == n-1 {
			link = "//evil.example/digest"
		}
		items[i] = &heraldv1.SendRequest{
			UserIds:   []string{fmt.Sprintf("%s-%d", prefix, i)},
			Category:  "example.batch",
			Title:     "Your weekly digest",
			Body:      "Sent in a SendBatch from Go.",
			ActionUrl: link,
			// If the call is lost midway, sending the same batch again is safe.
			IdempotencyKey: fmt.Sprintf("example-batch-%s-%d", prefix, i),
		}
	}
	res, err := h.sendBatch(ctx, &heraldv1.SendBatchRequest{Items: items})
	if err != nil {
		return err
	}
	sent, failed := 0, 0
	// One result per item, in the order of Items.
	for i, r := range res.GetResults() {
		if e := r.GetError(); e != nil {
			failed++
			fmt.Fprintf(os.Stderr, "batch item %d failed: %s: %s\n", i, e.GetCode(), e.GetMessage())
			emit(map[string]any{"step": "batch_error", "index": i, "code": e.GetCode(), "field": e.GetField(), "message": e.GetMessage()})
		} else {
			sent++
		}
	}
	fmt.Fprintf(os.Stderr, "batch of %d: %d sent, %d failed\n", n, sent, failed)
	emit(map[string]any{"step": "batch", "sent": sent, "errors": failed})
	return nil
}

func emit(step map[string]any) {
	line, _ := json.Marshal(step)
	fmt.Println(string(line))
}

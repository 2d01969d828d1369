package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"connectrpc.com/connect"
	heraldv1 "github.com/heraldhq/herald/gen/go/herald/v1"
	"github.com/heraldhq/herald/gen/go/herald/v1/heraldv1connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// sendStream is one open SendStream, as grpc-go shapes it; connect-go's is
// adapted to it below. Recv returns io.EOF once every answer has come.
type sendStream interface {
	Send(*heraldv1.SendStreamRequest) error
	CloseSend() error
	Recv() (*heraldv1.SendStreamResponse, error)
}

// herald holds the two calls this example makes, so the code that uses them
// reads the same whichever transport carries them.
type herald struct {
	sendStream func(context.Context) (sendStream, error)
	sendBatch  func(context.Context, *heraldv1.SendBatchRequest) (*heraldv1.SendBatchResponse, error)
	close      func()
}

// dial connects over gRPC (grpc-go) or the Connect protocol (connect-go).
// Both go over HTTP/2 cleartext: a request stream needs HTTP/2.
func dial(transport, base, key string) (herald, error) {
	switch transport {
	case "grpc":
		u, err := url.Parse(base)
		if err != nil {
			return herald{}, err
		}
		conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return herald{}, err
		}
		c := heraldv1.NewNotificationServiceClient(conn)
		auth := func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
		}
		return herald{
			sendStream: func(ctx context.Context) (sendStream, error) { return c.SendStream(auth(ctx)) },
			sendBatch: func(ctx context.Context, req *heraldv1.SendBatchRequest) (*heraldv1.SendBatchResponse, error) {
				return c.SendBatch(auth(ctx), req)
			},
			close: func() { conn.Close() },
		}, nil
	case "connect":
		// Go 1.24 and later speak HTTP/2 without TLS when told to; an
		// http.Client with the default transport would use HTTP/1.1, which
		// serves SendBatch but not SendStream.
		protocols := new(http.Protocols)
		protocols.SetUnencryptedHTTP2(true)
		httpClient := &http.Client{Transport: &http.Transport{Protocols: protocols}}
		c := heraldv1connect.NewNotificationServiceClient(httpClient, base)
		return herald{
			sendStream: func(ctx context.Context) (sendStream, error) {
				s := c.SendStream(ctx)
				s.RequestHeader().Set("Authorization", "Bearer "+key)
				return connectStream{s}, nil
			},
			sendBatch: func(ctx context.Context, msg *heraldv1.SendBatchRequest) (*heraldv1.SendBatchResponse, error) {
				req := connect.NewRequest(msg)
				req.Header().Set("Authorization", "Bearer "+key)
				res, err := c.SendBatch(ctx, req)
				if err != nil {
					return nil, err
				}
				return res.Msg, nil
			},
			close: httpClient.CloseIdleConnections,
		}, nil
	default:
		return herald{}, fmt.Errorf("unknown -transport %q (want grpc or connect)", transport)
	}
}

// connectStream gives connect-go's bidi stream grpc-go's method names.
type connectStream struct {
	*connect.BidiStreamForClient[heraldv1.SendStreamRequest, heraldv1.SendStreamResponse]
}

func (s connectStream) CloseSend() error { return s.CloseRequest() }

func (s connectStream) Recv() (*heraldv1.SendStreamResponse, error) {
	res, err := s.Receive() // the stream's own error, or one wrapping io.EOF at its clean end
	if err != nil {
		// Nothing more will come: free the response side (and the connection
		// for reuse). Its own error adds nothing to err.
		_ = s.CloseResponse()
	}
	return res, err
}

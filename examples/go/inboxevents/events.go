package main

import (
	"strings"

	heraldv1 "github.com/heraldhq/herald/gen/go/herald/v1"
	"google.golang.org/grpc"
)

// followEvents reads the stream until the interacted event of notification id,
// printing the user's events, and returns the last cursor received.
func followEvents(stream grpc.ServerStreamingClient[heraldv1.WatchEventsResponse], user, id string) (string, error) {
	cursor := ""
	for {
		msg, err := stream.Recv()
		if err != nil {
			return cursor, err // DEADLINE_EXCEEDED when the event never came
		}
		// Events, heartbeats and synced all carry the cursor.
		switch kind := msg.GetKind().(type) {
		case *heraldv1.WatchEventsResponse_Heartbeat:
			cursor = kind.Heartbeat.GetCursor()
			continue
		case *heraldv1.WatchEventsResponse_Synced:
			cursor = kind.Synced.GetCursor()
			continue
		}
		event := msg.GetEvent()
		cursor = event.GetCursor()
		// The stream carries the whole tenant's events: keep this user's.
		if event.GetUserId() != user {
			continue
		}
		changed := event.GetChanged()
		step := map[string]any{
			"step": "event", "type": typeName(event.GetType()),
			"notification": event.GetNotificationId(), // empty for a change of all (`all`)
			"all":          changed.GetAll(),
		}
		if action, ok := changed.GetDetail().GetFields()["action_id"]; ok {
			step["action"] = action.GetStringValue()
		}
		emit(step)
		if event.GetType() == heraldv1.EventType_EVENT_TYPE_NOTIFICATION_INTERACTED && event.GetNotificationId() == id {
			return cursor, nil
		}
	}
}

// typeName gives `notification.created` for EVENT_TYPE_NOTIFICATION_CREATED: the
// names webhooks and the README use.
func typeName(t heraldv1.EventType) string {
	name := strings.ToLower(strings.TrimPrefix(t.String(), "EVENT_TYPE_"))
	return strings.Replace(name, "_", ".", 1)
}

import { describe, expect, it } from "vitest";
import { Channel } from "../../gen/ts/herald/v1/notification_pb.js";
import { channelColumns } from "../../web/src/preferences-model.js";

describe("the preference page's columns", () => {
  it("are the channels the server offers, webpush labelled as people know it", () => {
    expect(channelColumns([Channel.IN_APP, Channel.SMS, Channel.PUSH, Channel.WEBPUSH])).toEqual([
      { id: "in_app", label: "In-app", field: "inApp" },
      { id: "sms", label: "SMS", field: "sms" },
      { id: "push", label: "Push", field: "push" },
      { id: "webpush", label: "Browser", field: null },
    ]);
  });
});

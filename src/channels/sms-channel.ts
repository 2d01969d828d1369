import type { SmsContent } from "../domain/content.js";
import type { RecipientStore } from "../store/recipient-store.js";
import type { DeliveryChannel } from "./delivery-channel.js";
import { PermanentDeliveryError } from "./delivery-errors.js";
import type { SmsSender } from "./sms-sender.js";

/** SMS: to the recipient's phone number at delivery time, through Twilio. */
export function createSmsChannel(options: {
  sender: SmsSender;
  recipients: Pick<RecipientStore, "contact">;
}): DeliveryChannel {
  return {
    async deliver({ notification, content }, signal) {
      const recipient = await options.recipients.contact(notification.userId);
      if (recipient.phone === "") throw new PermanentDeliveryError("the recipient has no phone number");
      return options.sender.send({ to: recipient.phone, body: (content as SmsContent).text }, signal);
    },
  };
}

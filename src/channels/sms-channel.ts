import type { SmsContent } from "../domain/content.js";
import type { Deliverer } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { SmsSender } from "./sms-sender.js";

/** SMS: to the recipient's phone number at delivery time, through Twilio. */
export function createSmsChannel(options: { sender: SmsSender }): Deliverer {
  return {
    async deliver({ content, contact }, signal) {
      if (contact.phone === "") throw new PermanentDeliveryError("the recipient has no phone number");
      return options.sender.send({ to: contact.phone, body: (content as SmsContent).text }, signal);
    },
  };
}

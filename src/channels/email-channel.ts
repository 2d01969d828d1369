import type { EmailContent } from "../domain/content.js";
import type { Deliverer } from "../domain/deliverer.js";
import { PermanentDeliveryError } from "../domain/delivery-errors.js";
import type { EmailSender } from "./email-sender.js";

export interface EmailChannelOptions {
  sender: EmailSender;
  /** The user's preferences page with `{user_id}`; null for no List-Unsubscribe. */
  preferencesUrl: string | null;
  /** Domain part of Message-IDs. */
  messageIdDomain?: string;
}

/**
 * Email: to the recipient's current address (read with the delivery, so a
 * changed address is used and an erased one is not). The Message-ID is the
 * delivery id, so a redelivered email is recognisably the same message.
 */
export function createEmailChannel(options: EmailChannelOptions): Deliverer {
  return {
    async deliver({ delivery, notification, content, contact }, signal) {
      if (contact.email === "") throw new PermanentDeliveryError("the recipient has no email address");
      const email = content as EmailContent;
      return options.sender.send(
        {
          to: contact.email,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: `<${delivery.id}@${options.messageIdDomain ?? "herald"}>`,
          listUnsubscribeUrl:
            options.preferencesUrl?.replaceAll("{user_id}", encodeURIComponent(notification.userId)) ?? null,
        },
        signal,
      );
    },
    close: () => options.sender.close(),
  };
}

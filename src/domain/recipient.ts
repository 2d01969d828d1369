/** The kinds of push device. */
export const Platform = { android: "android", ios: "ios", web: "web" } as const;
export type Platform = (typeof Platform)[keyof typeof Platform];

/** One place push notifications go. */
export interface Device {
  id: string;
  userId: string;
  platform: Platform;
  token: string;
  createdAt: Date;
}

/** What Herald needs to reach a user; empty strings mean "none". */
export interface Recipient {
  userId: string;
  email: string;
  phone: string;
  locale: string;
  timezone: string;
  devices: Device[];
  updatedAt: Date | null;
}

/** A change to a recipient: only the fields present change; "" clears one. */
export type RecipientPatch = Partial<Pick<Recipient, "email" | "phone" | "locale" | "timezone">>;

export function emptyRecipient(userId: string): Recipient {
  return { userId, email: "", phone: "", locale: "", timezone: "", devices: [], updatedAt: null };
}

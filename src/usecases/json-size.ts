import { InvalidArgumentError } from "../domain/errors.js";
import type { JsonObject } from "../domain/notification.js";

/**
 * Refuses free-form JSON larger than `maxBytes` once encoded, naming `field`.
 * The request-shape interceptor bounds its depth, values and keys already;
 * this bounds what a row stores, which nesting limits alone do not (1,000
 * values of 16 KiB strings each would pass them).
 */
export function checkJsonBytes(field: string, value: JsonObject, maxBytes: number): void {
  if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) {
    throw new InvalidArgumentError(field, `must be at most ${maxBytes} bytes as JSON`);
  }
}

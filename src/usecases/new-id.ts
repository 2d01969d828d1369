import { randomFillSync } from "node:crypto";
import { v7 as uuidv7 } from "uuid";

// uuid's own v7 asks Web Crypto for 16 random bytes per id, which costs about
// 5 µs a call here (argument checks on every call); a Send makes two ids per
// recipient. Random bytes are drawn here from a pool refilled 256 ids at a
// time (about 1 µs an id), and the millisecond and counter are kept as uuid
// keeps them, so ids made in one millisecond still sort in the order made.
const pool = new Uint8Array(16 * 256);
let next = pool.length;
const state = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

function random16(): Uint8Array {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  next += 16;
  return pool.subarray(next - 16, next);
}

/** A new UUIDv7 (RFC 9562: time-ordered, monotonic within this process), as Herald's ids are. */
export function newId(): string {
  const random = random16();
  const now = Date.now();
  if (now > state.msecs) {
    // A fresh 31-bit counter from the random bytes, as uuid starts each millisecond.
    state.seq =
      (((random[6] as number) & 0x7f) << 24) |
      ((random[7] as number) << 16) |
      ((random[8] as number) << 8) |
      (random[9] as number);
    state.msecs = now;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return uuidv7({ random, msecs: state.msecs, seq: state.seq });
}

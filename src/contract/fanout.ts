import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Fanout, FanoutSchema, FanoutState } from "../../gen/ts/herald/v1/notification_service_pb.js";
import type { FanoutView } from "../usecases/fanout-progress.js";

const states: Record<FanoutView["state"], FanoutState> = {
  planning: FanoutState.PLANNING,
  running: FanoutState.RUNNING,
  done: FanoutState.DONE,
  canceled: FanoutState.CANCELED,
};

export function fanoutToPb(f: FanoutView): Fanout {
  return create(FanoutSchema, {
    id: f.id,
    state: states[f.state],
    topics: f.topics,
    broadcast: f.broadcast,
    planned: BigInt(f.planned),
    written: BigInt(f.written),
    failed: BigInt(f.failed),
    canceled: BigInt(f.canceled),
    error: f.error,
    createdAt: timestampFromDate(f.createdAt),
    ...(f.finishedAt !== null && { finishedAt: timestampFromDate(f.finishedAt) }),
  });
}

// The client's connection and arbitration state machine (P4Runtime "client arbitration"):
// disconnected -> connecting -> arbitrating -> primary | backup, back to disconnected when the
// stream is lost (the client then reconnects), closed for good on close(). One pure transition function; it also says when
// primacy was gained or lost so the client can emit events. Never does I/O.

export type ArbitrationState = "disconnected" | "connecting" | "arbitrating" | "primary" | "backup" | "closed";

export type ArbitrationEvent =
  | { readonly kind: "connect" }
  /** The StreamChannel is open and our MasterArbitrationUpdate was sent. */
  | { readonly kind: "stream-open" }
  /** A MasterArbitrationUpdate came back; `code` is its status code (0 = we are primary). */
  | { readonly kind: "arbitration"; readonly code: number }
  /** We sent a new election id on the open stream. */
  | { readonly kind: "election-id-changed" }
  | { readonly kind: "stream-lost" }
  | { readonly kind: "close" };

export interface Transition {
  readonly state: ArbitrationState;
  readonly gainedPrimary: boolean;
  readonly lostPrimary: boolean;
}

/**
 * The state after `event` in `state`. Events that make no sense in a state leave it unchanged
 * (for example an arbitration update after close).
 */
export function arbitrate(state: ArbitrationState, event: ArbitrationEvent): Transition {
  const next = nextState(state, event);
  return {
    state: next,
    gainedPrimary: state !== "primary" && next === "primary",
    lostPrimary: state === "primary" && next !== "primary",
  };
}

function nextState(state: ArbitrationState, event: ArbitrationEvent): ArbitrationState {
  if (state === "closed") return "closed";
  switch (event.kind) {
    case "close":
      return "closed";
    case "connect":
      return state === "disconnected" ? "connecting" : state;
    case "stream-open":
      return state === "connecting" ? "arbitrating" : state;
    case "arbitration":
      if (state === "connecting" || state === "disconnected") return state;
      return event.code === 0 ? "primary" : "backup";
    case "election-id-changed":
      // Primacy holds until the target answers; nothing changes before that.
      return state;
    case "stream-lost":
      return "disconnected";
  }
}

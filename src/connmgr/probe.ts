// The inactivity probe of one controller connection (the idea of Open vSwitch's
// inactivity_probe): after `intervalMs` without input it sends an ECHO_REQUEST; if nothing
// arrives for another interval after that, the connection closes. A peer we keep waiting (we
// stopped reading it, hold its requests, or still send it replies) is never probed: its
// silence says nothing about its liveness. A late timer never skips the probe: the peer always
// gets a full interval to answer. Owns its timer only.

export interface ProbeHost {
  /** The peer is waiting on us now. */
  busy(): boolean;
  /** Sends an ECHO_REQUEST; false when nothing can be sent yet (HELLO not done: the interval is just a deadline). */
  sendEcho(): boolean;
  /** No input for too long: close. */
  timeout(why: string): void;
}

export class InactivityProbe {
  #timer: NodeJS.Timeout | undefined;
  #lastInput: number;
  #outstanding = false;
  #sentAt = 0;
  #stopped = false;
  /** ECHO_REQUESTs sent. */
  sent = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly host: ProbeHost,
  ) {
    this.#lastInput = now();
  }

  /** Input arrived: the peer is alive. */
  input(): void {
    this.#lastInput = this.now();
    this.#outstanding = false;
  }

  arm(): void {
    if (this.intervalMs <= 0 || this.#stopped) return;
    const due = this.#outstanding ? this.#sentAt + this.intervalMs : this.#lastInput + this.intervalMs;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, due - this.now()));
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const t = this.now();
    if (this.host.busy()) {
      this.#lastInput = t;
      this.#outstanding = false;
    } else if (this.#outstanding) {
      if (t - this.#sentAt >= this.intervalMs) {
        this.host.timeout(`no input for ${Math.round(t - this.#lastInput)} ms (inactivity probe)`);
        return;
      }
    } else if (t - this.#lastInput >= this.intervalMs) {
      this.#outstanding = true;
      this.#sentAt = t;
      if (this.host.sendEcho()) this.sent++;
    }
    this.arm();
  }
}

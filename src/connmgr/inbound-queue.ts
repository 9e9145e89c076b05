// The ordered inbound queue of one ofconn: requests wait here in arrival order until the
// core takes them. A FIFO with O(1) push and shift and a replaceable head (a postponed
// request stays at the head, decoded once). Never reorders; never drops.

export class InboundQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  /** Replaces the head item (e.g. raw bytes by the request decoded from them). */
  replaceHead(item: T): void {
    if (this.length === 0) throw new Error("replaceHead on an empty inbound queue");
    this.items[this.head] = item;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

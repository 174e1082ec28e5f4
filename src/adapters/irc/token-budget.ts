/** Allows `burst` events, then one every 1/rate seconds. */
export class TokenBudget {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly burst: number, private readonly ratePerSecond: number) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}


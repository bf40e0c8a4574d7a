// Exact decimal arithmetic for money shown before the server answers (cart
// totals, change, cash differences). Values are BigInt scaled by 10^6; the
// server's figures stay authoritative. Never a float in a money path.

const SCALE = 1_000_000n;

/** A decimal number with six fractional digits. */
export class Dec {
  private constructor(readonly v: bigint) {}

  static zero = new Dec(0n);

  /** Parses "12", "-3.5", "0.000001"; anything else is null. */
  static parse(s: string | number | null | undefined): Dec | null {
    if (s === null || s === undefined) return null;
    const t = String(s).trim().replace(",", ".");
    const m = /^([+-])?(\d*)(?:\.(\d{0,6}))?$/.exec(t);
    if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
    const whole = BigInt(m[2] || "0");
    const frac = BigInt(((m[3] ?? "") + "000000").slice(0, 6));
    const v = whole * SCALE + frac;
    return new Dec(m[1] === "-" ? -v : v);
  }

  /** Parses s or answers zero. */
  static of(s: string | number | null | undefined): Dec {
    return Dec.parse(s) ?? Dec.zero;
  }

  add(o: Dec): Dec { return new Dec(this.v + o.v); }
  sub(o: Dec): Dec { return new Dec(this.v - o.v); }
  neg(): Dec { return new Dec(-this.v); }
  /** The product, rounded half away from zero to six digits. */
  mul(o: Dec): Dec { return new Dec(divRound(this.v * o.v, SCALE)); }
  /** The quotient, rounded half away from zero to six digits. */
  div(o: Dec): Dec { return new Dec(divRound(this.v * SCALE, o.v)); }
  /** Rounded half away from zero to places (≤ 6) digits. */
  round(places = 2): Dec {
    const unit = 10n ** BigInt(6 - places);
    return new Dec(divRound(this.v, unit) * unit);
  }
  cmp(o: Dec): number { return this.v < o.v ? -1 : this.v > o.v ? 1 : 0; }
  isZero(): boolean { return this.v === 0n; }
  isNeg(): boolean { return this.v < 0n; }
  max(o: Dec): Dec { return this.cmp(o) >= 0 ? this : o; }
  min(o: Dec): Dec { return this.cmp(o) <= 0 ? this : o; }

  /** The plain string with exactly places fractional digits. */
  toFixed(places = 2): string {
    const r = this.round(places).v;
    const neg = r < 0n;
    const a = neg ? -r : r;
    const whole = a / SCALE;
    const frac = (a % SCALE).toString().padStart(6, "0").slice(0, places);
    return (neg ? "-" : "") + whole.toString() + (places > 0 ? "." + frac : "");
  }

  /** The shortest plain string (no trailing zeros). */
  toString(): string {
    return this.toFixed(6).replace(/\.?0+$/, "");
  }
}

function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const ad = d < 0n ? -d : d;
  if (twice >= ad) return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
  return q;
}

/** Sums decimal strings. */
export function sum(values: (string | Dec)[]): Dec {
  return values.reduce<Dec>((acc, v) => acc.add(typeof v === "string" ? Dec.of(v) : v), Dec.zero);
}

// The cart of the POS: lines, discounts and tenders, priced exactly (Dec)
// the way the checkout prices them when prices include tax; the sale the
// host answers is what the receipt shows.
import { Dec, sum } from "../dec";

/** A scanned variant as GET /products/scan/{code} answers it. */
export interface Scanned {
  variant_id: string;
  product_name: string;
  sku: string;
  barcode: string | null;
  size: string | null;
  color: string | null;
  price: string;
  tax_rate: string;
  on_hand: string;
}

/** A line of the cart. */
export interface Line {
  item: Scanned;
  quantity: string;
  /** Line discount in percent, "" for none. */
  discountPercent: string;
}

/** A tender of the payment. */
export interface Tender {
  /** mercadopago: taken on a terminal of its own (a reference); mercadopago_qr: an in-store QR order charged through the host. */
  method: "cash" | "card" | "transfer" | "mercadopago" | "mercadopago_qr";
  amount: string;
  reference: string;
}

/** The ticket discount: a percent or an amount. */
export interface TicketDiscount {
  kind: "percent" | "amount";
  value: string;
}

/** Adds one unit of item, merging with its line if present. */
export function addItem(lines: Line[], item: Scanned): Line[] {
  const i = lines.findIndex((l) => l.item.variant_id === item.variant_id);
  if (i < 0) return [...lines, { item, quantity: "1", discountPercent: "" }];
  const next = lines.slice();
  next[i] = { ...next[i], quantity: Dec.of(next[i].quantity).add(Dec.of("1")).toString() };
  return next;
}

/** Gross of a line: quantity × price. */
export function lineGross(l: Line): Dec {
  return Dec.of(l.quantity).mul(Dec.of(l.item.price)).round(2);
}

/** The line's own discount, rounded to the centavo. */
export function lineDiscount(l: Line): Dec {
  const p = Dec.parse(l.discountPercent);
  if (!p || p.isZero()) return Dec.zero;
  return lineGross(l).mul(p).div(Dec.of("100")).round(2);
}

/** Totals of the cart (prices include tax). */
export function totals(lines: Line[], ticket: TicketDiscount) {
  const subtotal = sum(lines.map(lineGross));
  const lineDisc = sum(lines.map(lineDiscount));
  const afterLines = subtotal.sub(lineDisc);
  let ticketDisc = Dec.zero;
  const v = Dec.parse(ticket.value);
  if (v && !v.isZero()) {
    ticketDisc = ticket.kind === "percent" ? afterLines.mul(v).div(Dec.of("100")).round(2) : v.round(2).min(afterLines);
  }
  const discount = lineDisc.add(ticketDisc);
  return { subtotal, discount, total: subtotal.sub(discount) };
}

/** What the tenders pay, what is left and the change (cash only gives change). */
export function payment(total: Dec, tenders: Tender[]) {
  const paid = sum(tenders.map((t) => Dec.of(t.amount)));
  const remaining = total.sub(paid).max(Dec.zero);
  const change = paid.sub(total).max(Dec.zero);
  return { paid, remaining, change };
}

/** The checkout body of POST /sales. */
export function saleBody(sessionID: string, lines: Line[], ticket: TicketDiscount, tenders: Tender[]) {
  const v = Dec.parse(ticket.value);
  return {
    session_id: sessionID,
    lines: lines.map((l) => {
      const p = Dec.parse(l.discountPercent);
      return {
        variant_id: l.item.variant_id,
        quantity: Dec.of(l.quantity).toString(),
        ...(p && !p.isZero() ? { discount: { percent: p.toString() } } : {}),
      };
    }),
    ...(v && !v.isZero() ? { discount: ticket.kind === "percent" ? { percent: v.toString() } : { amount: v.toFixed(2) } } : {}),
    payments: tenders
      .filter((t) => Dec.parse(t.amount) && !Dec.of(t.amount).isZero())
      .map((t) =>
        t.method === "mercadopago_qr"
          ? { method: "mercadopago", amount: Dec.of(t.amount).toFixed(2), mercadopago: { method: "qr" } }
          : { method: t.method, amount: Dec.of(t.amount).toFixed(2), ...(t.reference ? { reference: t.reference } : {}) },
      ),
  };
}
